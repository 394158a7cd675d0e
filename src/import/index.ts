export * from './from-config.js';
export * from './import-file.js';
export * from './store-busy.js';
export * from './watch-folder.js';
