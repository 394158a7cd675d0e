import { authenticationError, FrappeThrow, pythonError, validationError } from './frappe-errors.js';

/**
 * frappe/auth.py validate_auth (frappe §1): the user `find` gives for the key pair, undefined for
 * Guest (no header, or not exactly two space-separated parts); throws 401/400 for an unknown or
 * undecodable pair.
 */
export function authenticate<T>(
  header: string | undefined,
  find: (apiKey: string, apiSecret: string) => T | undefined,
): T | undefined {
  if (!header) return undefined;
  const parts = header.split(' ');
  if (parts.length !== 2) return undefined;
  const [scheme = '', token = ''] = parts;
  let pair: string;
  switch (scheme.toLowerCase()) {
    case 'token':
      pair = token;
      break;
    case 'basic':
      if (token.replace(/[^A-Za-z0-9+/=]/g, '').length % 4 !== 0) {
        throw new FrappeThrow({
          status: 400,
          excType: 'InvalidAuthorizationToken',
          module: 'frappe.exceptions',
          message: 'Failed to decode token, please provide a valid base64-encoded token.',
        });
      }
      pair = Buffer.from(token, 'base64').toString('utf8');
      break;
    case 'bearer':
      // no OAuth tokens are issued here, so every bearer token is unknown
      throw authenticationError();
    default:
      return undefined;
  }
  const kv = pair.split(':');
  const user = kv.length === 2 ? find(kv[0]!, kv[1]!) : undefined;
  if (user === undefined) throw authenticationError();
  return user;
}

/**
 * frappe/app.py make_form_dict: a non-empty body with a JSON Content-Type is the only source of
 * parameters; otherwise query string and form fields, all strings (frappe §2, request parsing).
 */
export function formDict(
  contentType: string | undefined,
  rawBody: string,
  url: URL,
): Record<string, unknown> {
  if (rawBody && /^application\/(.+\+)?json\b/i.test(contentType ?? '')) {
    let v: unknown;
    try {
      v = JSON.parse(rawBody);
    } catch (err) {
      throw pythonError('JSONDecodeError', (err as Error).message, 'json.decoder');
    }
    if (Array.isArray(v)) return { data: v };
    if (!v || typeof v !== 'object') throw validationError('Invalid request arguments');
    return v as Record<string, unknown>;
  }
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(rawBody)));
  }
  // jQuery's cache buster
  delete args._;
  return args;
}
