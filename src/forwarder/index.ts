export type { FleetSite } from './fleet.js';
export { type BrokerTls, type Forwarder, type ForwarderOptions, startForwarder } from './forwarder.js';
export type { ForwarderStats } from './stats.js';
