// `node --import` this file: every module the process then loads (ESM and the CommonJS a module imports)
// is appended, one URL a line, to the file named by X05_TEST_MODULE_LOG. Plain JavaScript: the hooks run
// in node's loader thread, before tsx or any TypeScript support exists there.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
