import { readFileSync } from 'node:fs';
import { sharedTestdata } from '@sextant/testkit/process';

// Dashboard names Sextant does not expose even where node_exporter does, each with its reason.
export const DASHBOARD_ALLOWED_MISSING: readonly { prefix: string; why: string }[] = [
  // The timex collector reads adjtimex(2), a syscall Node.js cannot make.
  { prefix: 'node_timex_', why: 'adjtimex(2) is not reachable from Node.js' },
  // Out of scope so far: these need D-Bus or hardware this exporter does not read.
  { prefix: 'node_systemd_', why: 'systemd collector (D-Bus) not implemented' },
  { prefix: 'node_md_', why: 'mdadm collector not implemented' },
  { prefix: 'node_bonding_', why: 'bonding collector not implemented' },
];

/**
 * Every `node_*` name that Node Exporter Full (grafana.com 1860, in the shared test data) mentions in
 * queries, legends and variables; undefined, with a visible notice, when the file is absent.
 */
export function dashboardNodeNames(): Set<string> | undefined {
  const file = sharedTestdata('grafana/node-exporter-full.json');
  if (file === undefined) return undefined;
  return new Set(readFileSync(file, 'utf8').match(/\bnode_[a-zA-Z0-9_]+/g) ?? []);
}

/** True when a name is on the allow-list above. */
export function allowedMissing(name: string): boolean {
  return DASHBOARD_ALLOWED_MISSING.some((a) => name.startsWith(a.prefix));
}
