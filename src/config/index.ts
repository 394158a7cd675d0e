export { ConfigError } from './config-error.js';
export { loadCloudConfig, loadSiteConfig, parseConfig } from './load.js';
export { readPemFile } from './pem-file.js';
export {
  type BrokerConfig,
  type CloudConfig,
  DEFAULT_SHARE_GROUP,
  type SiteConfig,
  SiteConfigSchema,
} from './schema.js';
