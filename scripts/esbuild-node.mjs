// What both bundles take (the CLI's, bundle-cli.mjs, and the tests', scripts/build-tests.mjs): ES modules
// for Node 20, shared code split into chunks beside the entries, source maps for readable stack traces.
export const nodeBundle = {
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // bundled CommonJS requires node's own modules; an ES module has no `require` to give it
  banner: {
    js: "import { createRequire as x05CreateRequire } from 'node:module'; const require = x05CreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
