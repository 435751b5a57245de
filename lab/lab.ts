// The lab as a library: what tests (test/harness/lab.ts re-exports it) and the CLI use.
export * from './info.js';
export * from './up.js';
export * from './down.js';
export * from './status.js';
export * from './ops.js';
