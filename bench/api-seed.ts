// Seed data for the API scenarios: a dedicated database holding servers with 30 days of
// 1-minute snapshots (generated in SQL) and a larger fleet with only recent snapshots.
import type pg from 'pg';
import type { Logger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';

const DAY = 86_400_000;

export interface SeedOptions {
  /** A database URL on the server to create the bench database on. */
  adminUrl: string;
  /** Servers with a full history of snapshots. */
  historyServers: number;
  /** Days of 1-minute snapshots per history server. */
  days: number;
  /** Servers in the fleet in all (history servers included); the rest get recent snapshots only. */
  fleetServers: number;
  log: Logger;
  say: (line: string) => void;
}

export interface SeededDatabase {
  url: string;
  storage: Storage;
  /** Id of a server with the full history. */
  historyServerId: string;
  snapshots: number;
  /** Closes the pools and drops the database. */
  close(): Promise<void>;
}

// History servers `hist-NNN` take part `part` of `parts`; one statement per server keeps each
// transaction small and lets two connections load side by side.
async function loadHistory(pool: pg.Pool, ids: readonly string[], days: number): Promise<void> {
  for (const [k, id] of ids.entries()) {
    await pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, load5, load15,
                                      memory_used_bytes, memory_total_bytes, disk_used_bytes, disk_total_bytes, net_rx_bps, net_tx_bps, uptime_seconds)
       SELECT $1::uuid, t,
              50 + 40 * sin(i / 90.0 + k),         -- cpu: a daily-ish wave per server
              40 + 20 * cos(i / 400.0 + k),
              30 + i / 4000.0,
              1 + abs(sin(i / 30.0)), 1.2, 1.1,
              8e9 * (0.4 + 0.2 * cos(i / 400.0 + k)), 16e9, 1e11 + i * 1e4, 5e11,
              1e6 * (1 + abs(sin(i / 17.0 + k))), 5e5 * (1 + abs(cos(i / 23.0 + k))), i * 60
       FROM (SELECT $3::int AS k) s,
            generate_series(0, $2::int - 1) AS i,
            LATERAL (SELECT date_trunc('minute', now()) - make_interval(mins => $2::int - 1 - i) AS t) ts`,
      [id, days * 1440, k],
    );
  }
}

/** Creates and fills a fresh database; about a minute for 100 servers × 30 days on two cores. */
export async function seedApiData(options: SeedOptions): Promise<SeededDatabase> {
  const database: TestDatabase = await createServerDatabase(options.adminUrl);
  let storage: Storage | undefined;
  try {
    storage = await openStorage({ url: database.url, log: options.log });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: (options.days + 1) * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log: options.log });
    await runMaintenance({ pool: storage.pool, caps, retention, log: options.log });
    const servers = await storage.pool.query<{ id: string; name: string }>(
      `INSERT INTO servers (name, hostname, address, ip_address, status, labels, last_seen_at)
       SELECT CASE WHEN n <= $1 THEN 'hist-' ELSE 'fleet-' END || lpad(n::text, 4, '0'),
              'host-' || n || '.bench.internal',
              '10.' || (n / 65536) % 256 || '.' || (n / 256) % 256 || '.' || n % 256 || ':9464',
              ('10.' || (n / 65536) % 256 || '.' || (n / 256) % 256 || '.' || n % 256)::inet,
              CASE WHEN n % 17 = 0 THEN 'down' ELSE 'up' END,
              jsonb_build_object('env', CASE WHEN n % 3 = 0 THEN 'staging' ELSE 'prod' END, 'role', 'role-' || n % 5),
              date_trunc('minute', now())
       FROM generate_series(1, $2::int) AS n
       RETURNING id, name`,
      [options.historyServers, options.fleetServers],
    );
    const history = servers.rows.filter((r) => r.name.startsWith('hist-')).map((r) => r.id);
    const fleet = servers.rows.filter((r) => r.name.startsWith('fleet-')).map((r) => r.id);
    const started = Date.now();
    await Promise.all([0, 1].map((part) => loadHistory(storage!.pool, history.filter((_, i) => i % 2 === part), options.days)));
    // The rest of the fleet: its last 10 minutes.
    await storage.pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, net_rx_bps, net_tx_bps)
       SELECT id, date_trunc('minute', now()) - make_interval(mins => m), 20 + m, 30, 40, 0.5, 1e6, 2e6
       FROM unnest($1::uuid[]) AS id, generate_series(0, 9) AS m`,
      [fleet],
    );
    options.say(`seeded ${history.length} servers × ${options.days} days in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const rollup = Date.now();
    await runMaintenance({ pool: storage.pool, caps, retention, log: options.log });
    await storage.pool.query('VACUUM ANALYZE');
    options.say(`rolled up and vacuumed in ${((Date.now() - rollup) / 1000).toFixed(0)} s`);
    const count = await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM metrics_snapshots');
    const seeded = storage;
    return {
      url: database.url,
      storage: seeded,
      historyServerId: history[0]!,
      snapshots: Number(count.rows[0]!.n),
      close: async () => {
        await seeded.close();
        await database.drop();
      },
    };
  } catch (err) {
    await storage?.close();
    await database.drop();
    throw err;
  }
}
