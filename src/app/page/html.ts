/**
 * HTML built by a tagged template that escapes every value it is given: device names, error texts and
 * config come from the site LAN and are hostile until shown otherwise, so escaping is the default and only
 * markup this module made itself passes through unescaped.
 */
const MARKUP = Symbol('markup');

/** Markup made by `html`: inserted as it is. */
export interface Markup {
  readonly [MARKUP]: string;
}

type Value = Markup | string | number | null | undefined | false | readonly Value[];

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const markup = (s: string): Markup => ({ [MARKUP]: s });

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object') return (v as Markup)[MARKUP];
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  return markup(strings.reduce((out, s, i) => out + render(values[i - 1] as Value) + s));
}

/** The finished document as text. */
export const toText = (m: Markup): string => m[MARKUP];
