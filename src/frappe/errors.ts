import { GatewayError } from '../../protocol/errors.js';
import { CHECKIN_EVENT_ID } from './doctype-seed.js';

/**
 * What the caller should do about a failed Frappe call:
 * - `duplicate`: the thing is already there (409 on the Raw Log name, HRMS's same-timestamp check, or the
 *   unique index on the Checkin's event id);
 * - `unmapped`: no (active) employee for the device user — park it, it can be written later;
 * - `retryable`: 429, 5xx (incl. proxy HTML pages), network errors, timeouts — try again later;
 * - `auth`: 400 auth-header errors, 401, 403 — nothing will work until an operator fixes the key or roles;
 * - `validation`: any other 4xx — Frappe refused this document; retrying changes nothing.
 */
export type FrappeErrorKind = 'duplicate' | 'unmapped' | 'retryable' | 'auth' | 'validation';

export interface FrappeErrorInit {
  /** HTTP status; 0 when no response came back (network error, timeout). */
  status: number;
  httpMethod: string;
  path: string;
  doctype?: string | undefined;
  method?: string | undefined;
  excType?: string | undefined;
  exception?: string | undefined;
  messages?: string[];
  body?: string;
  retryAfterS?: number | undefined;
  detail?: string;
  cause?: unknown;
}

const EXCERPT = 500;

/** A Frappe call that did not succeed, with what Frappe said and what to do about it (`kind`). */
export class FrappeError extends GatewayError {
  readonly kind: FrappeErrorKind;
  readonly status: number;
  readonly httpMethod: string;
  readonly path: string;
  readonly doctype: string | undefined;
  readonly method: string | undefined;
  readonly excType: string | undefined;
  readonly exception: string | undefined;
  /** `_server_messages[*].message`, decoded twice (frappe §3). */
  readonly messages: string[];
  readonly bodyExcerpt: string;
  /** From a 429's Retry-After header (frappe §3, rate limiting). */
  readonly retryAfterS: number | undefined;

  constructor(init: FrappeErrorInit) {
    const messages = init.messages ?? [];
    const what = init.method ?? init.doctype ?? init.path;
    const said = messages[0] ?? init.exception ?? init.detail ?? '';
    super(
      'X05_FRAPPE',
      `Frappe ${init.httpMethod} ${what}: ${init.status || 'no response'}${init.excType ? ` ${init.excType}` : ''}${said ? `: ${said}` : ''}`,
      { cause: init.cause },
    );
    this.status = init.status;
    this.httpMethod = init.httpMethod;
    this.path = init.path;
    this.doctype = init.doctype;
    this.method = init.method;
    this.excType = init.excType;
    this.exception = init.exception;
    this.messages = messages;
    this.bodyExcerpt = (init.body ?? '').slice(0, EXCERPT);
    this.retryAfterS = init.retryAfterS;
    this.kind = classifyFrappeError(init.status, init.excType, [...messages, init.exception ?? '']);
  }

  /** The most useful single line of what Frappe said, for a Raw Log's `error` field. */
  get frappeMessage(): string {
    return this.messages.join('\n') || this.exception || this.message;
  }
}

/** The TLS layer refused the site (untrusted or mismatched certificate, failed handshake): no request was sent. */
export class FrappeTlsError extends FrappeError {
  override readonly hint = "set frappe.ca_file to the CA that signed the site's certificate";
  /** The site's base URL, e.g. `https://hr.example.com`. */
  readonly url: string;
  /** Node's/OpenSSL's code, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  readonly tlsCode: string;

  constructor(init: {
    httpMethod: string;
    path: string;
    doctype?: string | undefined;
    method?: string | undefined;
    url: string;
    tlsCode: string;
    cause: unknown;
  }) {
    const untrusted = !/^ERR_SSL_/.test(init.tlsCode);
    super({
      ...init,
      // status 0, so `retryable`: punches stay unacknowledged while an operator fixes the trust
      status: 0,
      detail: untrusted
        ? `TLS: the certificate of ${init.url} is not trusted (${init.tlsCode}); if a private CA signed it, set frappe.ca_file to that CA's PEM`
        : `TLS handshake with ${init.url} failed (${init.tlsCode}); does it serve HTTPS on that port?`,
    });
    this.url = init.url;
    this.tlsCode = init.tlsCode;
  }
}

/** OpenSSL verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED …) and Node's ERR_TLS_ / ERR_SSL_ codes. */
export function isTlsFailure(code: string | undefined): boolean {
  return (
    code !== undefined &&
    /^ERR_(TLS|SSL)_|CERT|^UNABLE_TO_|^INVALID_(CA|PURPOSE)$|^HOSTNAME_MISMATCH$|^PATH_LENGTH_EXCEEDED$/.test(
      code,
    )
  );
}

// Texts HRMS/ERPNext raise (frappe §4; the sync tool allow-lists the same substrings, §6).
const DUPLICATE_CHECKIN = 'already has a log with the same timestamp';
const NO_EMPLOYEE = 'No Employee found for the given employee field value';
const INACTIVE_EMPLOYEE = 'Transactions cannot be created for an Inactive Employee';
// the unique index on the Checkin's event id: the key in the traceback line, the label in the message
const EVENT_ID_KEY = `for key '${CHECKIN_EVENT_ID.fieldname}'`;
const EVENT_ID_UNIQUE = `${CHECKIN_EVENT_ID.label} must be unique`;

/** Status first, then exc_type, then message text (frappe §3: "A robust client classifies by …"). */
export function classifyFrappeError(
  status: number,
  excType: string | undefined,
  texts: readonly string[],
): FrappeErrorKind {
  if (status === 0 || status === 429 || status >= 500) return 'retryable';
  if (status === 401 || status === 403) return 'auth';
  // 400 comes only from malformed Authorization headers and CSRF (frappe §1, §3)
  if (status === 400 && /^(InvalidAuthorization|CSRFToken)/.test(excType ?? '')) return 'auth';
  if (status === 409 && excType === 'DuplicateEntryError') return 'duplicate';
  if (status === 417) {
    if (texts.some((t) => t.includes(DUPLICATE_CHECKIN))) return 'duplicate';
    if (
      excType === 'UniqueValidationError' &&
      texts.some((t) => t.includes(EVENT_ID_KEY) || t.includes(EVENT_ID_UNIQUE))
    ) {
      return 'duplicate';
    }
    if (excType === 'InactiveEmployeeStatusError') return 'unmapped';
    if (texts.some((t) => t.includes(NO_EMPLOYEE) || t.includes(INACTIVE_EMPLOYEE))) return 'unmapped';
  }
  return 'validation';
}

/** `_server_messages` is a string holding a JSON list of JSON strings of message objects (frappe §3). */
export function decodeServerMessages(raw: unknown): string[] {
  if (typeof raw !== 'string') return [];
  let outer: unknown;
  try {
    outer = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(outer)) return [];
  const out: string[] = [];
  for (const item of outer) {
    let inner: unknown = item;
    if (typeof item === 'string') {
      try {
        inner = JSON.parse(item);
      } catch {
        out.push(item);
        continue;
      }
    }
    if (inner && typeof inner === 'object' && 'message' in inner) {
      out.push(String((inner as { message: unknown }).message));
    } else if (typeof inner === 'string') {
      out.push(inner);
    }
  }
  return out;
}

/** Builds the error for a non-2xx answer; the body may be Frappe JSON or a proxy's HTML page. */
export function frappeErrorFromResponse(
  req: { httpMethod: string; path: string; doctype?: string | undefined; method?: string | undefined },
  status: number,
  body: string,
  retryAfter: string | null,
): FrappeError {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    // HTML from nginx (502/504) or Werkzeug (405): classified by status alone
  }
  const messages = decodeServerMessages(json._server_messages);
  if (typeof json._error_message === 'string') messages.push(json._error_message);
  const retryAfterS = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  // a proxy's page says what it refused in its title, e.g. "413 Request Entity Too Large"
  const title = /<title>([^<]{1,200})<\/title>/i.exec(body)?.[1]?.trim();
  return new FrappeError({
    ...(title && messages.length === 0 && json.exception === undefined ? { detail: title } : {}),
    ...req,
    status,
    excType: typeof json.exc_type === 'string' ? json.exc_type : undefined,
    exception: typeof json.exception === 'string' ? json.exception : undefined,
    messages,
    body,
    retryAfterS,
  });
}
