import type pg from 'pg';

/** One server as the MQTT publisher sees it: its status and its latest snapshot, if any. */
export interface FleetRow {
  id: string;
  name: string;
  status: 'up' | 'down' | 'unknown';
  updatedAt: Date;
  /** When the read ran (the database's clock): the next read looks for rows changed after it. */
  readAt: Date;
  snapshot: {
    timestamp: Date;
    cpu_usage: number | null;
    memory_usage: number | null;
    disk_usage: number | null;
    load1: number | null;
    net_rx_bps: number | null;
    net_tx_bps: number | null;
  } | null;
}

const select = (snapshotOf = 'true') => `
  SELECT s.id, s.name, s.status, s.updated_at, now() AS read_at, m."timestamp" AS ts,
         m.cpu_usage, m.memory_usage, m.disk_usage, m.load1, m.net_rx_bps, m.net_tx_bps
    FROM servers s
    LEFT JOIN LATERAL (
      SELECT * FROM metrics_snapshots ms WHERE ms.server_id = s.id AND ${snapshotOf} ORDER BY ms."timestamp" DESC LIMIT 1
    ) m ON true`;

interface Row {
  id: string;
  name: string;
  status: FleetRow['status'];
  updated_at: Date;
  read_at: Date;
  ts: Date | null;
  cpu_usage: number | null;
  memory_usage: number | null;
  disk_usage: number | null;
  load1: number | null;
  net_rx_bps: number | null;
  net_tx_bps: number | null;
}

/**
 * Every server with its newest `metrics_snapshots` row; or those in `ids` with theirs, plus those
 * whose row changed after `changedSince` (a previous read's `readAt`, less 2 s for writes that
 * began before that read but committed after it) without a snapshot (`snapshot: null`): their
 * status is what changed, and looking up snapshots for them would make every read in the 2 s
 * after a fleet-wide change (servers added, a network outage) probe the whole fleet.
 * Reads committed data only, so whatever it returns is durable. The lateral lookup walks the
 * (server_id, timestamp) unique index backwards: one probe per server (per partition on plain
 * PostgreSQL).
 */
export async function readFleet(db: pg.Pool | pg.PoolClient, only?: { ids: readonly string[]; changedSince?: Date }): Promise<FleetRow[]> {
  // Named statements: PostgreSQL plans each once per connection instead of at every notification
  // (planning over the daily partitions costs more than running the query).
  const result =
    only === undefined
      ? await db.query<Row>({ name: 'sextant-mqtt-fleet-all', text: select() })
      : await db.query<Row>({
          name: 'sextant-mqtt-fleet-some',
          text: `${select('s.id = ANY($1::uuid[])')} WHERE s.id = ANY($1::uuid[]) OR s.updated_at > $2::timestamptz - interval '2 seconds'`,
          values: [only.ids, only.changedSince ?? null],
        });
  return result.rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    updatedAt: r.updated_at,
    readAt: r.read_at,
    snapshot:
      r.ts === null
        ? null
        : {
            timestamp: r.ts,
            cpu_usage: r.cpu_usage,
            memory_usage: r.memory_usage,
            disk_usage: r.disk_usage,
            load1: r.load1,
            net_rx_bps: r.net_rx_bps,
            net_tx_bps: r.net_tx_bps,
          },
  }));
}
