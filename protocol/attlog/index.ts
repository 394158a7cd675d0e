export * from './csv-row.js';
export * from './dat-line.js';
