import { z } from 'zod';
import { PUNCH_BOUNDS, type PunchEvent, type PunchSource } from '../event/index.js';

// The PunchEvent's schema lives apart from the code that makes events: validating a payload is the
// receiving side's job (punch-payload.ts), and a `pull` or a gateway sync that only makes events does not
// load zod.

/** Where a punch was first seen (design.md, PunchEvent). */
export const PunchSourceSchema = z.enum([
  'pull',
  'realtime',
  'push',
  'file',
] as const satisfies PunchSource[]);

const WALL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

// a character class, not a repeated group: a repeated capture group recurses per repetition in V8 and a
// multi-megabyte string overflows the stack (a 4.5 MB push line once stopped every forwarder that way)
const HEX = /^[0-9a-f]*$/;

/** The one normalized event every source produces; its JSON form is the MQTT payload. */
export const PunchEventSchema = z
  .object({
    v: z.literal(1),
    id: z.string().regex(/^[0-9a-f]{40}$/),
    device_id: z.string().min(1).max(PUNCH_BOUNDS.device_id),
    site: z.string().min(1).max(PUNCH_BOUNDS.site),
    user_id: z.string().min(1).max(PUNCH_BOUNDS.user_id),
    device_time: z.string().regex(WALL_TIME),
    timezone: z.string().min(1).max(PUNCH_BOUNDS.timezone),
    punch: z.number().int().min(0).max(255),
    verify: z.number().int().min(0).max(255),
    source: PunchSourceSchema,
    received_at: z.iso.datetime(),
    clock_offset_s: z.number().nullable(),
    raw: z
      .string()
      .max(PUNCH_BOUNDS.raw_hex)
      .regex(HEX)
      .refine((h) => h.length % 2 === 0, 'an odd number of hex digits'),
    /**
     * Set when user_id is the terminal's internal uid: the record carried only the uid and the terminal's
     * user list has no user with it.
     */
    uid_only: z.literal(true).optional(),
  })
  .strict() satisfies z.ZodType<PunchEvent>;

// the schema accepts exactly the PunchEvent type, both ways: a field added to one and not the other fails here
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaIsPunchEvent: Same<z.infer<typeof PunchEventSchema>, PunchEvent> = true;
void schemaIsPunchEvent;
