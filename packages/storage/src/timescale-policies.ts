import type pg from 'pg';
import type { Logger } from '@sextant/log';
import type { Retention } from './storage-config.ts';

/** The relations whose raw data expires, with the retention that applies to each. */
export function retentionTargets(retention: Retention): { relation: string; ms: number }[] {
  return [
    { relation: 'samples', ms: retention.samplesMs },
    { relation: 'metrics_snapshots', ms: retention.snapshotsMs },
    { relation: 'metrics_snapshots_1h', ms: retention.rollupsMs },
  ];
}

/**
 * Makes TimescaleDB's retention policies match the configured retention: adds missing ones and
 * replaces ones whose `drop_after` differs. Leaves matching policies (and their job ids) alone.
 */
export async function applyTimescalePolicies(client: pg.ClientBase, retention: Retention, log: Logger): Promise<void> {
  for (const { relation, ms } of retentionTargets(retention)) {
    const seconds = Math.round(ms / 1000);
    const current = await client.query<{ job_id: number; seconds: string | null }>(
      `SELECT j.job_id, extract(epoch FROM (j.config->>'drop_after')::interval)::text AS seconds
         FROM timescaledb_information.jobs j
        WHERE j.proc_name = 'policy_retention'
          AND (j.hypertable_name = $1
               OR j.hypertable_name = (SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates WHERE view_name = $1))`,
      [relation],
    );
    const job = current.rows[0];
    if (job !== undefined && Number(job.seconds) === seconds) continue;
    if (job !== undefined) await client.query('SELECT remove_retention_policy($1::regclass, if_exists => true)', [relation]);
    await client.query(`SELECT add_retention_policy($1::regclass, drop_after => $2::interval)`, [relation, toInterval(seconds)]);
    log.info({ relation, retentionSeconds: seconds }, 'retention policy set');
  }
}

// Whole days read as `15 days` in timescaledb_information.jobs, not `360:00:00`.
function toInterval(seconds: number): string {
  return seconds % 86_400 === 0 ? `${seconds / 86_400} days` : `${seconds} seconds`;
}
