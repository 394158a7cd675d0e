import type { Reply } from './frappe-resource.js';
import { icuFormatter } from './icu-formatter.js';

const REASONS: Record<number, string> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/**
 * What nginx in front of gunicorn answers when workers are down or slow, or a request is over its limits
 * (frappe §3, infrastructure): an HTML page, never Frappe JSON.
 */
export function proxyFault(status: 413 | 414 | 429 | 502 | 503 | 504): Reply {
  if (status === 429) {
    return { status, body: { exc_type: 'TooManyRequestsError' } };
  }
  return { status, html: true, body: REASONS[status] };
}

/** An HTML error page: proxies, Werkzeug's 405, or any error when Accept starts with `text`. */
export function errorPage(r: Reply): string {
  const title = `${r.status} ${REASONS[r.status] ?? 'Error'}`;
  const detail = typeof r.body === 'string' ? '' : `<pre>${JSON.stringify(r.body)}</pre>`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n${detail}<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` now in the site zone: how Frappe stamps creation and "Now" defaults. */
export function siteNow(zone: string): string {
  const d = new Date();
  const p = Object.fromEntries(
    icuFormatter(zone)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  const micro = String(d.getMilliseconds() * 1000).padStart(6, '0');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${micro}`;
}
