export { SessionDecoder } from './decode.js';
export { deviceScript, startReplayDevice } from './device.js';
export { carriesRequests, type ZkConversation, zkTimeline } from './timeline.js';
