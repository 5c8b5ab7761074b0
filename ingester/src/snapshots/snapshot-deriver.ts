import type pg from 'pg';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import type { IngestOrigin } from '../ingest-sink.ts';
import type { WriteBatch } from '../write-batch.ts';
import { addToFrame, emptyFrame, isSnapshotMetric } from './node-frame.ts';
import type { NodeFrame } from './node-frame.ts';
import { createServerRegistry } from './server-registry.ts';
import { hasValues, SNAPSHOT_COLUMNS, snapshotRow } from './snapshot-row.ts';
import type { SnapshotValues } from './snapshot-row.ts';

export interface SnapshotDeriverOptions {
  /** The bulk-write pool; the deriver never ends it. */
  pool: pg.Pool;
  log: Logger;
  /** Recent timestamps kept per instance, for rates and for samples of one scrape arriving in several batches; default 4. */
  framesPerInstance?: number;
  /** Instances whose frames are kept; past it, the one not heard from longest is forgotten. Default 50 000. */
  maxInstances?: number;
}

/** What one batch yielded: the servers whose snapshot rows or status it wrote. */
export interface SnapshotReport {
  serverIds: string[];
  rows: number;
}

/** Derives `metrics_snapshots` rows and server health from batches, and announces each batch. */
export interface SnapshotDeriver {
  derive(batch: WriteBatch, origin: IngestOrigin): Promise<SnapshotReport>;
}

// Re-deriving a row when more of its scrape arrives (remote-write splits a scrape over requests)
// fills columns in; a column the new batch cannot compute keeps what an earlier batch stored.
const UPSERT = `
  INSERT INTO metrics_snapshots (server_id, "timestamp", ${SNAPSHOT_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], ${SNAPSHOT_COLUMNS.map((_, i) => `$${i + 3}::float8[]`).join(', ')})
  ON CONFLICT (server_id, "timestamp") DO UPDATE SET
    ${SNAPSHOT_COLUMNS.map((c) => `${c} = COALESCE(EXCLUDED.${c}, metrics_snapshots.${c})`).join(',\n    ')}`;

// `up` drives status; last_seen_at only moves forward; updated_at marks a change of status.
const STATUS = `
  UPDATE servers s SET
    status = u.status,
    last_seen_at = CASE WHEN u.status = 'up' THEN GREATEST(s.last_seen_at, u.t) ELSE s.last_seen_at END,
    updated_at = CASE WHEN s.status IS DISTINCT FROM u.status THEN now() ELSE s.updated_at END
  FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(id, status, t)
  WHERE s.id = u.id
  RETURNING s.id`;

const NOTIFY = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';

/**
 * Snapshots from node_exporter-named series, whoever sent them: frames of the recent timestamps of
 * each `instance` are kept in memory, so rates need two scrapes (after a restart the first row has
 * no cpu or network). Rows are upserted, so deriving a batch twice changes nothing. Unknown
 * instances are registered as servers; `up` samples set `servers.status` and `last_seen_at`.
 */
export function createSnapshotDeriver(options: SnapshotDeriverOptions): SnapshotDeriver {
  const { pool } = options;
  const log = options.log.child({ module: 'snapshots' });
  const keep = options.framesPerInstance ?? 4;
  const frames = new Map<string, Map<number, NodeFrame>>();
  const registry = createServerRegistry(pool);
  const statusAt = new Map<string, number>();

  const maxInstances = options.maxInstances ?? 50_000;

  function frameOf(instance: string, t: number): NodeFrame {
    let byTime = frames.get(instance);
    if (byTime === undefined) {
      // Maps iterate in insertion order: the first key is the instance not heard from longest.
      if (frames.size >= maxInstances) frames.delete(frames.keys().next().value!);
      frames.set(instance, (byTime = new Map<number, NodeFrame>()));
    }
    let frame = byTime.get(t);
    if (frame === undefined) byTime.set(t, (frame = emptyFrame(t)));
    return frame;
  }

  function prune(instance: string): void {
    const byTime = frames.get(instance);
    if (byTime === undefined || byTime.size <= keep) return;
    const times = [...byTime.keys()].sort((a, b) => a - b);
    for (const t of times.slice(0, times.length - keep)) byTime.delete(t);
  }

  // Rows for the touched timestamps and for the frame after each (its rates depend on it).
  function rowsOf(instance: string, touched: Set<number>): { t: number; values: SnapshotValues; nodename?: string }[] {
    const byTime = frames.get(instance)!;
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (!touched.has(t) && !touched.has(times[i - 1] ?? Number.NaN)) continue;
      const values = snapshotRow(byTime.get(t)!, i > 0 ? byTime.get(times[i - 1]!) : undefined);
      if (hasValues(values)) out.push({ t, values });
    }
    return out;
  }

  return {
    async derive(batch, origin) {
      const touched = new Map<string, Set<number>>();
      const ups = new Map<string, { t: number; up: boolean }>();
      let newest = Number.NEGATIVE_INFINITY;
      for (const series of batch.series) {
        const name = series.labels.__name__;
        const instance = series.labels.instance;
        for (const s of series.samples) if (s.timestampMs > newest) newest = s.timestampMs;
        if (name === undefined || instance === undefined) continue;
        if (name === 'up') {
          for (const s of series.samples) {
            if (s.stale === true || Number.isNaN(s.value)) continue;
            const prior = ups.get(instance);
            if (prior === undefined || s.timestampMs >= prior.t) ups.set(instance, { t: s.timestampMs, up: s.value > 0 });
          }
          continue;
        }
        if (!isSnapshotMetric(name)) continue;
        let times = touched.get(instance);
        if (times === undefined) {
          touched.set(instance, (times = new Set()));
          // Heard from now: move it to the end of the eviction order.
          const known = frames.get(instance);
          if (known !== undefined) {
            frames.delete(instance);
            frames.set(instance, known);
          }
        }
        for (const s of series.samples) {
          if (s.stale === true) continue;
          addToFrame(frameOf(instance, s.timestampMs), series.labels, s.value);
          times.add(s.timestampMs);
        }
      }

      const derived: { instance: string; nodename?: string; rows: { t: number; values: SnapshotValues }[] }[] = [];
      for (const [instance, times] of touched) {
        const found = rowsOf(instance, times);
        prune(instance);
        if (found.length === 0) continue;
        const nodename = [...(frames.get(instance)?.values() ?? [])].find((f) => f.nodename !== undefined)?.nodename;
        derived.push({ instance, nodename, rows: found });
      }
      const store = async () => {
        const rows = new Map<string, { id: string; t: number; values: SnapshotValues }>();
        for (const { instance, nodename, rows: found } of derived) {
          const id = await registry.resolve(instance, { nodename, scraped: origin === 'scrape' });
          for (const row of found) rows.set(`${id}/${row.t}`, { id, ...row });
        }
        if (rows.size === 0) return rows;
        const list = [...rows.values()];
        await pool.query(UPSERT, [list.map((r) => r.id), list.map((r) => new Date(r.t).toISOString()), ...SNAPSHOT_COLUMNS.map((c) => list.map((r) => r.values[c]))]);
        return rows;
      };
      let rows;
      try {
        rows = await store();
      } catch (err) {
        // A server deleted (through the API) since it was cached: forget it, register again, once.
        if ((err as { code?: unknown }).code !== '23503') throw err;
        registry.forget();
        statusAt.clear();
        rows = await store();
      }

      const status: { id: string; status: string; t: string }[] = [];
      for (const [instance, { t, up }] of ups) {
        const id = await registry.lookup(instance);
        if (id === undefined || (statusAt.get(id) ?? Number.NEGATIVE_INFINITY) > t) continue;
        if (statusAt.size >= maxInstances) statusAt.clear();
        statusAt.set(id, t);
        status.push({ id, status: up ? 'up' : 'down', t: new Date(t).toISOString() });
      }
      const updated = status.length === 0 ? [] : (await pool.query<{ id: string }>(STATUS, [status.map((s) => s.id), status.map((s) => s.status), status.map((s) => s.t)])).rows;

      // Servers with new snapshot rows or news of their health: what readers may want to re-read.
      const serverIds = [...new Set([...[...rows.values()].map((r) => r.id), ...updated.map((r) => r.id)])];
      if (Number.isFinite(newest)) {
        const payloads = encodeIngestNotifications({ serverIds, timestamp: new Date(newest).toISOString() });
        await pool.query(NOTIFY, [INGEST_CHANNEL, payloads]);
      }
      if (rows.size > 0) log.debug({ rows: rows.size, servers: serverIds.length }, 'snapshots derived');
      return { serverIds, rows: rows.size };
    },
  };
}
