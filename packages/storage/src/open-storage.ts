import pg from 'pg';
import { createPool } from 'slonik';
import type { DatabasePool } from 'slonik';
import type { Logger } from '@sextant/log';
import { StorageError } from './storage-error.ts';

export interface StorageOptions {
  url: string;
  log: Logger;
  /** Connections in the bulk-write pool; default 10. */
  maxConnections?: number;
  /** Connections in the typed-query pool; default 10. */
  maxQueryConnections?: number;
  /** How long an idle connection stays open, in ms; default 10 000. */
  idleTimeoutMs?: number;
  /** SQL the typed pool runs when a connection comes back, so no session state leaks; default `DISCARD ALL`. */
  sessionReset?: string;
  /** `application_name` shown in pg_stat_activity; default `sextant`. */
  applicationName?: string;
}

/** The two pools to one database: slonik for typed queries, plain `pg` for bulk writes and migrations. */
export interface Storage {
  /** node-postgres pool: COPY/unnest batches, migrations, maintenance. */
  pool: pg.Pool;
  /** The slonik pool for typed, parameterised reads, opened on first use (so writers never hold one). */
  typed(): Promise<DatabasePool>;
  /** Ends both pools; safe to call twice. */
  close(): Promise<void>;
}

// Session settings every connection starts with, whatever the server, database or role sets: the
// client parses timestamps and intervals in PostgreSQL's default output styles only (with
// `DateStyle = 'SQL, DMY'` every timestamptz would read as null). Startup options, so a session
// reset (DISCARD ALL) keeps them.
const SESSION_OPTIONS = '-c DateStyle=ISO -c IntervalStyle=postgres';

/**
 * `url` with SESSION_OPTIONS added after its own `options` (kept), so a DateStyle or IntervalStyle
 * the URL sets cannot override them: of two `-c` for one setting, the later wins.
 */
export function withSessionOptions(url: string): string {
  const parsed = new URL(url);
  const own = parsed.searchParams.get('options');
  parsed.searchParams.set('options', own === null || own === '' ? SESSION_OPTIONS : `${own} ${SESSION_OPTIONS}`);
  return parsed.toString();
}

/** Opens both pools and checks that the database answers; fails with a retryable `StorageError` otherwise. */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const log = options.log.child({ module: 'storage' });
  const applicationName = options.applicationName ?? 'sextant';
  const url = withSessionOptions(options.url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection failed'));
  // A checked-out client has no pool listener: its connection dying (PostgreSQL restarting under
  // load) would emit an unhandled 'error' and kill the process. Its query fails instead.
  pool.on('connect', (client) => client.on('error', (err) => log.debug({ err }, 'PostgreSQL connection failed')));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    throw new StorageError('STORAGE_UNAVAILABLE', `cannot reach PostgreSQL: ${(err as Error).message}`, { cause: err, retryable: true });
  }
  let typed: Promise<DatabasePool> | undefined;
  let closed: Promise<void> | undefined;
  return {
    pool,
    typed: () =>
      (typed ??= createPool(url, {
        maximumPoolSize: options.maxQueryConnections ?? 10,
        connectionTimeout: 10_000,
        idleTimeout: options.idleTimeoutMs ?? 10_000,
        resetConnection: async (connection) => {
          await connection.query(options.sessionReset ?? 'DISCARD ALL');
        },
      })),
    close: () =>
      (closed ??= Promise.all([pool.end(), typed?.then((db) => db.end())]).then(() => undefined)),
  };
}
