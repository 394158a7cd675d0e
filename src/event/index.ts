export { decodePunchEvent, encodePunchEvent, PayloadError } from './codec.js';
export { decodeConfirmation, encodeConfirmations, MAX_CONFIRM_IDS } from './confirmation.js';
export { punchEventLines } from './json-lines.js';
export { DEFAULT_TIME_BOUNDS, implausibleTime, isCalendarTime, type TimeBounds } from './plausible-time.js';
export {
  makePunchEvent,
  type OwnPunchFacts,
  PUNCH_BOUNDS,
  punchEventId,
  punchEventMaker,
} from './punch-event.js';
export type { PunchEvent } from './punch-event-schema.js';
export type { AcceptOptions, AcceptResult, PunchSink, SourceCursor } from './punch-sink.js';
export { topicLevel } from './topic-level.js';
export { formatWallTimeIn, hostTimeZone, isTimeZone, wallTimeToInstant } from './wall-clock.js';
