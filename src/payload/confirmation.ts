import { z } from 'zod';
import { PayloadError } from './punch-payload.js';

/** At most this many ids in one confirmation message (design.md, MQTT). */
export const MAX_CONFIRM_IDS = 1000;
/** 1,000 ids of 40 hex digits with quotes and commas, and the envelope: anything larger is not ours. */
const MAX_CONFIRM_BYTES = MAX_CONFIRM_IDS * 43 + 64;

const ConfirmationSchema = z.object({
  v: z.literal(1),
  ids: z.array(z.string().regex(/^[0-9a-f]{40}$/, 'not a punch id (40 hex digits)')).max(MAX_CONFIRM_IDS),
});

export type Confirmation = z.infer<typeof ConfirmationSchema>;

/** The forwarder's confirmations for these punch ids, `{"v":1,"ids":[…]}` in messages of ≤ 1,000 ids. */
export function encodeConfirmations(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += MAX_CONFIRM_IDS)
    out.push(JSON.stringify({ v: 1, ids: ids.slice(i, i + MAX_CONFIRM_IDS) }));
  return out;
}

/** A confirmation message, or a PayloadError naming what is wrong with it. */
export function decodeConfirmation(payload: Uint8Array): Confirmation {
  if (payload.length > MAX_CONFIRM_BYTES)
    throw new PayloadError(`${payload.length} bytes, more than 1,000 ids`, '');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw new PayloadError(`not JSON (${(err as Error).message})`, '');
  }
  const parsed = ConfirmationSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PayloadError(issue.message, issue.path.join('.'));
  }
  return parsed.data;
}
