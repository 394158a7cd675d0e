export { punchEventLines } from './json-lines.js';
export { DEFAULT_TIME_BOUNDS, implausibleTime, isCalendarTime, type TimeBounds } from './plausible-time.js';
export {
  MAX_PUNCH_PAYLOAD_BYTES,
  makePunchEvent,
  type OwnPunchFacts,
  PUNCH_BOUNDS,
  type PunchEvent,
  type PunchSource,
  punchEventId,
  punchEventMaker,
} from './punch-event.js';
export type { AcceptOptions, AcceptResult, PunchSink, SourceCursor } from './punch-sink.js';
export { topicLevel } from './topic-level.js';
export { formatWallTimeIn, hostTimeZone, isTimeZone, wallTimeToInstant } from './wall-clock.js';
