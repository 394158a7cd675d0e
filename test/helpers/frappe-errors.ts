import { randomBytes } from 'node:crypto';

/**
 * What a Frappe exception turns into on the wire (frappe §3). Thrown by stand-in handlers; the server
 * writes it as the JSON error body and rolls the request back.
 */
export interface FrappeThrowInit {
  status: number;
  excType: string;
  /** Python module of the class, for the `exception` line. */
  module?: string;
  /** The `_server_messages` entry; absent for bare raises (401, TypeError). */
  message?: string;
  title?: string;
  /** frappe.throw marks its message red with raise_exception; DuplicateEntry/Unique clashes do not. */
  raised?: boolean;
  indicator?: boolean;
  /** Last traceback line text after `<module.Class>: `; defaults to `message`. */
  exceptionText?: string;
  /** `_exc_source` (v15+), e.g. `hrms (app)`. */
  source?: string;
  errorMessage?: string;
}

export class FrappeThrow extends Error {
  constructor(readonly init: FrappeThrowInit) {
    super(init.exceptionText ?? init.message ?? init.excType);
  }
}

const FE = 'frappe.exceptions';

export const validationError = (message: string, more: Partial<FrappeThrowInit> = {}) =>
  new FrappeThrow({ status: 417, excType: 'ValidationError', module: FE, message, ...more });

/** 404: the body carries no traceback keys (frappe §3). */
export const doesNotExist = (message: string) =>
  new FrappeThrow({ status: 404, excType: 'DoesNotExistError', module: FE, message });

export const duplicateEntry = (doctype: string, name: string) =>
  new FrappeThrow({
    status: 409,
    excType: 'DuplicateEntryError',
    module: FE,
    message: `${doctype} <strong>${name}</strong> already exists`,
    title: 'Duplicate Name',
    raised: false,
    indicator: true,
    exceptionText: `('${doctype}', '${name}', IntegrityError(1062, "Duplicate entry '${name}' for key 'PRIMARY'"))`,
  });

export const uniqueValidation = (
  label: string,
  doctype: string,
  name: string,
  value: string,
  field: string,
) =>
  new FrappeThrow({
    status: 417,
    excType: 'UniqueValidationError',
    module: FE,
    message: `${label} must be unique`,
    raised: false,
    exceptionText: `('${doctype}', '${name}', IntegrityError(1062, "Duplicate entry '${value}' for key '${field}'"))`,
  });

export const permissionError = (message: string, errorMessage?: string) =>
  new FrappeThrow({
    status: 403,
    excType: 'PermissionError',
    module: FE,
    message,
    ...(errorMessage ? { errorMessage } : {}),
  });

export const authenticationError = () =>
  new FrappeThrow({ status: 401, excType: 'AuthenticationError', module: FE, exceptionText: '' });

/** An unhandled Python error: 500, no `_server_messages`. */
export const pythonError = (excType: string, text: string, module = '') =>
  new FrappeThrow({ status: 500, excType, module, exceptionText: text });

/** Python's json.dumps defaults: ", " and ": " separators, non-ASCII as \uXXXX (frappe §3: v14/v15). */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyJson(k)}: ${pyJson(x)}`)
      .join(', ')}}`;
  }
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(v);
}

/** The v15 JSON error body, keys in Frappe's order: exception, exc_type, _exc_source, exc, _server_messages. */
export function errorBody(t: FrappeThrow): Record<string, unknown> {
  const i = t.init;
  const body: Record<string, unknown> = {};
  // tracebacks are allowed by default, but never on a 404 (frappe §3)
  const traceback = i.status !== 404;
  const text = i.exceptionText ?? i.message ?? '';
  const exception = i.module ? `${i.module}.${i.excType}` : i.excType;
  if (traceback) body.exception = text ? `${exception}: ${text}` : exception;
  body.exc_type = i.excType;
  if (traceback && i.source) body._exc_source = i.source;
  if (traceback) {
    body.exc = JSON.stringify([
      `Traceback (most recent call last):\n  File "apps/frappe/frappe/app.py", line 114, in application\n${body.exception}\n`,
    ]);
  }
  if (i.message !== undefined) {
    const raised = i.raised ?? true;
    const msg: Record<string, unknown> = { message: i.message, title: i.title ?? 'Message' };
    if (raised || i.indicator) msg.indicator = 'red';
    if (raised) {
      msg.raise_exception = 1;
      msg.__frappe_exc_id = randomBytes(5).toString('hex');
    }
    body._server_messages = pyJson([pyJson(msg)]);
  }
  if (i.errorMessage) body._error_message = i.errorMessage;
  return body;
}
