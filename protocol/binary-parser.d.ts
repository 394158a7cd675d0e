// binary-parser ships its types but its package.json "exports" hides them from NodeNext resolution.
declare module 'binary-parser' {
  export * from 'binary-parser/dist/binary_parser.js';
}
