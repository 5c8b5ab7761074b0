export { findPeer, freePort, inCI, sharedTestdata, stopChild, waitFor, waitForHttp } from './process.ts';
export type { WaitOptions } from './process.ts';
export { startPgliteTimescale } from './pglite-timescale.ts';
export { createServerDatabase } from './server-database.ts';
export type { TestDatabase } from './server-database.ts';
export { testBackends } from './test-backends.ts';
export type { TestBackend } from './test-backends.ts';
