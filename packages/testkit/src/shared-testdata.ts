import { existsSync } from 'node:fs';
import path from 'node:path';
import { inCI } from './peer.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * The reference test data (OpenMetrics parser cases, PromQL test scripts, the Node Exporter Full
 * dashboard): `SEXTANT_SHARED_TESTDATA` when set, else `../shared/testdata` beside the checkout.
 * Returns the path of `relative` inside it, or undefined with a visible notice when it is missing;
 * under `CI=true` a missing folder is a failure.
 */
export function sharedTestdata(relative = ''): string | undefined {
  const root = process.env.SEXTANT_SHARED_TESTDATA ?? path.join(REPO_ROOT, '..', 'shared', 'testdata');
  const wanted = path.join(root, relative);
  if (existsSync(wanted)) return wanted;
  const message = `shared test data not found at ${wanted} (set SEXTANT_SHARED_TESTDATA)`;
  if (inCI) throw new Error(`${message}; CI must provide it`);
  process.stderr.write(`SKIP: ${message}\n`);
  return undefined;
}
