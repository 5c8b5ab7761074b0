import type pg from 'pg';
import type { Logger } from '@sextant/log';
import type { Capabilities } from './capabilities.ts';
import { dropPartitionsBefore, ensurePartitions, PARTITIONED } from './partitions.ts';
import { rollUpSnapshots } from './rollup.ts';
import { compactSampleBlocks, dropSampleBlocksBefore } from './sample-blocks.ts';
import type { CompactReport } from './sample-blocks.ts';
import type { Retention } from './storage-config.ts';
import { retentionTargets } from './timescale-policies.ts';

const DAY = 86_400_000;
// Only one process runs maintenance at a time; others skip the round.
const MAINTENANCE_LOCK = 0x5e_7a_02;

export interface MaintenanceOptions {
  pool: pg.Pool;
  caps: Capabilities;
  retention: Retention;
  log: Logger;
}

export interface MaintenanceReport {
  /** False when another process held the maintenance lock. */
  ran: boolean;
  created: string[];
  dropped: string[];
  rolledUp: { from: Date; to: Date; rows: number } | null;
  /** What building `sample_blocks` did; null when the round did not run it. */
  compacted: CompactReport | null;
}

/**
 * One round of plain-PostgreSQL upkeep: partitions for the retention window and a few days
 * ahead, the hourly rollup, `sample_blocks` for closed blocks, and dropping partitions (and their
 * blocks) past retention. On TimescaleDB the server's
 * own policies do all of this, so the round does nothing.
 */
export async function runMaintenance(options: MaintenanceOptions, now = new Date()): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { ran: false, created: [], dropped: [], rolledUp: null, compacted: null };
  if (options.caps.timescaledb) return { ...report, ran: true };
  const client = await options.pool.connect();
  try {
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MAINTENANCE_LOCK]);
    if (locked.rows[0]?.ok !== true) return report;
    try {
      const keep = new Map(retentionTargets(options.retention).map((t) => [t.relation, t.ms]));
      for (const spec of PARTITIONED) {
        const retentionMs = keep.get(spec.table) ?? 0;
        const ahead = spec.unit === 'day' ? 3 * DAY : 40 * DAY;
        report.created.push(...(await ensurePartitions(client, spec, new Date(now.getTime() - retentionMs), new Date(now.getTime() + ahead))));
      }
      report.rolledUp = await rollUpSnapshots(client, now);
      report.compacted = await compactSampleBlocks(client, { now });
      for (const spec of PARTITIONED) {
        const retentionMs = keep.get(spec.table) ?? Number.POSITIVE_INFINITY;
        const cutoff = new Date(now.getTime() - retentionMs);
        const dropped = await dropPartitionsBefore(client, spec.table, cutoff);
        report.dropped.push(...dropped);
        // Blocks go with their samples: everything before the cutoff's day is gone from `samples`.
        if (spec.table === 'samples' && dropped.length > 0) await dropSampleBlocksBefore(client, new Date(Math.floor(cutoff.getTime() / DAY) * DAY));
      }
      report.ran = true;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
    }
  } finally {
    client.release();
  }
  if (report.created.length + report.dropped.length > 0 || report.rolledUp !== null) {
    options.log.child({ module: 'maintenance' }).info(
      { created: report.created.length, dropped: report.dropped, rolledUpRows: report.rolledUp?.rows ?? 0, blocksBuilt: report.compacted?.built ?? 0, blocksRebuilt: report.compacted?.rebuilt ?? 0 },
      'maintenance round done',
    );
  }
  return report;
}

export interface MaintenanceHandle {
  close(): Promise<void>;
}

/**
 * Runs `runMaintenance` now (awaited, so partitions exist before anyone writes) and then every
 * `intervalMs` (default 10 minutes). A failed round is logged and retried at the next tick.
 */
export async function startMaintenance(options: MaintenanceOptions & { intervalMs?: number }): Promise<MaintenanceHandle> {
  const log = options.log.child({ module: 'maintenance' });
  await runMaintenance(options);
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runMaintenance(options).catch((err: unknown) => log.error({ err }, 'maintenance round failed'));
  }, options.intervalMs ?? 10 * 60_000);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
