/**
 * `table=OPERLOG` (and `USERINFO`) bodies (adms-push §5.3): one record per line, a type word, a space,
 * then TAB-separated `key=value` pairs — `USER PIN=…⇥Name=…⇥Pri=…`, `FP PIN=…⇥FID=…⇥TMP=…`, `OPLOG …`.
 * The gateway keeps only what labels punches: user ids and names. Templates are never kept.
 */

export interface OperlogUser {
  userId: string;
  /** Raw bytes of the name in the device code page, decoded by the caller (§2.3). */
  name: string;
  /** `Pri` or `Privilege` (14 = admin); undefined when absent. */
  privilege: number | undefined;
}

export type OperlogRecord = { kind: 'USER'; user: OperlogUser } | { kind: 'OTHER'; type: string };

export function parseOperlogLine(line: string): OperlogRecord | undefined {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return undefined;
  const sp = text.indexOf(' ');
  const type = sp < 0 ? text : text.slice(0, sp);
  if (type !== 'USER') return { kind: 'OTHER', type };
  const fields = new Map<string, string>();
  for (const pair of text.slice(sp + 1).split('\t')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
  }
  const userId = fields.get('PIN')?.trim();
  if (!userId) return { kind: 'OTHER', type };
  const pri = fields.get('Pri') ?? fields.get('Privilege');
  return {
    kind: 'USER',
    user: { userId, name: fields.get('Name') ?? '', privilege: pri === undefined ? undefined : Number(pri) },
  };
}

export function encodeOperlogUser(u: OperlogUser): string {
  return `USER PIN=${u.userId}\tName=${u.name}\tPri=${u.privilege ?? 0}\tPasswd=\tCard=\tGrp=1\tTZ=`;
}
