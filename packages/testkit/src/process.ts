// Helpers for tests and benchmarks that start peer processes; no dependency on the test runner.
export { freePort } from '@sextant/storage';
export { findPeer, inCI } from './peer.ts';
export { sharedTestdata } from './shared-testdata.ts';
export { stopChild } from './stop-child.ts';
export { waitFor, waitForHttp } from './wait-for.ts';
export type { WaitOptions } from './wait-for.ts';
