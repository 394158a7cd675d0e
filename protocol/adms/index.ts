export * from './attlog-line.js';
export * from './commands.js';
export * from './fields.js';
export * from './line-error.js';
export * from './operlog.js';
export * from './options.js';
