export { watchBrokerLink } from './broker-link.js';
export { createLogger, redactUrl } from './log.js';
export {
  type Health,
  type JsonReply,
  type OpsAction,
  type OpsServer,
  OpsUnreachableError,
  opsUrl,
  startOpsServerOrLog,
} from './ops-server.js';
export {
  type DeviceReport,
  formatStatus,
  type StatusReport,
  unconfirmedFigures,
  type WriteErrorReport,
} from './status-report.js';
