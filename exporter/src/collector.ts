import type { FamilySet } from './family-set.ts';

/** Where the host's pseudo-filesystems are (like node_exporter's --path.procfs/--path.sysfs/--path.rootfs). */
export interface HostPaths {
  readonly procfs: string;
  readonly sysfs: string;
  readonly rootfs: string;
}

/**
 * One source of metrics, named like node_exporter's collector (the `collector` label of
 * node_scrape_collector_*). `collect` adds this scrape's samples to `out`; throwing, timing out or
 * (synchronously) running past the timeout marks the collector failed for this scrape and its
 * samples are dropped.
 */
export interface Collector {
  readonly name: string;
  collect(out: FamilySet, signal: AbortSignal): Promise<void> | void;
  close?(): Promise<void>;
}
