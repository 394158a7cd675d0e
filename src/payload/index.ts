export { decodeConfirmation, encodeConfirmations, MAX_CONFIRM_IDS } from './confirmation.js';
export { decodePunchEvent, encodePunchEvent, PayloadError } from './punch-payload.js';
