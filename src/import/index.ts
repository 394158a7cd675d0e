export { csvMapping, startWatchFromConfig, zoneOfSerial } from './from-config.js';
export { formatOf, type ImportSummary, importFile } from './import-file.js';
export { NoPunchesError } from './no-punches.js';
export { isLockedStore, StoreBusyError } from './store-busy.js';
export { FolderWatcher } from './watch-folder.js';
