import type pg from 'pg';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** What the seed put in, for the assertions. */
export interface Seeded {
  servers: { id: string; name: string }[];
  /** Snapshots cover [now - days, now] every `stepMinutes`. */
  days: number;
  stepMinutes: number;
}

/**
 * A small fleet as the ingester and the alert engine would leave it: three servers (up, down,
 * unknown; one name with a quote), a snapshot every 10 minutes for 12 days with every column set,
 * alerts in each state and source, and a few series.
 */
export async function seedMonitoringData(pool: pg.Pool, now: Date): Promise<Seeded> {
  const servers: Seeded['servers'] = [];
  for (const [name, status] of [['web-1', 'up'], ['db-1', 'down'], ["o'brien", 'unknown']] as const) {
    const row = await pool.query<{ id: string }>(
      `INSERT INTO servers (name, hostname, address, ip_address, status, labels, last_seen_at)
       VALUES ($1, $1 || '.example', $1 || '.example:9464', '192.0.2.10', $2, '{"env":"test"}', $3) RETURNING id`,
      [name, status, now],
    );
    servers.push({ id: row.rows[0]!.id, name });
  }
  const days = 12;
  const stepMinutes = 10;
  const start = Math.floor((now.getTime() - days * DAY) / MINUTE) * MINUTE;
  const times: Date[] = [];
  for (let t = start; t <= now.getTime(); t += stepMinutes * MINUTE) times.push(new Date(t));
  for (const [i, server] of servers.entries()) {
    await pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, load5, load15,
         memory_used_bytes, memory_total_bytes, disk_used_bytes, disk_total_bytes, net_rx_bps, net_tx_bps, uptime_seconds)
       SELECT $1, t, 10 + $2 * 20 + 5 * sin(n), 40 + $2 * 10, 55 + $2, 0.5 + $2, 0.4 + $2, 0.3 + $2,
              4e9 * (40 + $2 * 10) / 100, 4e9, 1e11 * (55 + $2) / 100, 1e11, 1e5 * (1 + $2), 5e4 * (1 + $2), 86400 + n * 600
       FROM unnest($3::timestamptz[]) WITH ORDINALITY AS p(t, n)`,
      [server.id, i, times],
    );
  }
  const [web, db] = servers;
  const alert = (values: unknown[]) =>
    pool.query(
      `INSERT INTO alerts (server_id, type, severity, status, value, "timestamp", resolved_at, acknowledged_by, acknowledged_at, fingerprint, labels, annotations, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      values,
    );
  const ago = (ms: number) => new Date(now.getTime() - ms);
  await alert([web!.id, 'HighCpu', 'critical', 'firing', 93.5, ago(60 * MINUTE), null, null, null, 'fp-cpu-web', { alertname: 'HighCpu' }, { summary: 'CPU above 90%' }, 'rule']);
  await alert([db!.id, 'DiskFull', 'warning', 'resolved', 91, ago(2 * DAY), ago(DAY), 'alice', ago(1.5 * DAY), 'fp-disk-db', {}, {}, 'rule']);
  await alert([db!.id, 'ServerDown', 'critical', 'firing', 0, ago(30 * MINUTE), null, 'bob', ago(20 * MINUTE), 'fp-down-db', {}, { summary: 'no scrape for 2m' }, 'system']);
  await alert([null, 'Watchdog', 'info', 'pending', 1, ago(5 * MINUTE), null, null, null, 'fp-watchdog', { alertname: 'Watchdog' }, {}, 'alertmanager']);
  await alert([web!.id, 'HighCpu', 'critical', 'resolved', 95, ago(3 * 60 * MINUTE), ago(2 * 60 * MINUTE), null, null, 'fp-cpu-web', {}, {}, 'rule']);
  await pool.query(`INSERT INTO series (metric_name, labels) VALUES ('up', '{"job":"node","instance":"web-1.example:9464"}'), ('node_load1', '{"job":"node","instance":"web-1.example:9464"}')`);
  return { servers, days, stepMinutes };
}
