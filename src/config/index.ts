export { expandDiscover } from './address-range.js';
export { ConfigError } from './config-error.js';
export { onAllowList, parseAllowList, plainAddress } from './ip-allow-list.js';
export { loadCloudConfig, loadSiteConfig, parseConfig } from './load.js';
export { readPemFile } from './pem-file.js';
export { type BrokerConfig, type CloudConfig, type SiteConfig, SiteConfigSchema } from './schema.js';
