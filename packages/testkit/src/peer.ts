import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** True when tests run in CI, where a missing peer is a failure rather than a skip. */
export const inCI = process.env.CI === 'true';

/**
 * Locates a peer binary (Prometheus, promtool, node_exporter, Chromium…): the given paths first
 * (Debian's), then their names and `name` on the PATH. Returns its path, or `undefined` with a
 * visible notice outside CI; throws in CI so a missing peer fails the run.
 */
export function findPeer(name: string, candidates: readonly string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const names = [...new Set([...candidates.map((c) => path.basename(c)), name])];
  for (const candidate of [...candidates, ...dirs.flatMap((d) => names.map((n) => path.join(d, n)))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  const message = `peer ${name} not found (looked in ${candidates.join(', ')})`;
  if (inCI) throw new Error(`${message}: CI must install it (see .ci/run)`);
  process.stderr.write(`SKIP: ${message}\n`);
  return undefined;
}
