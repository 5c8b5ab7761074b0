import type pg from 'pg';
import { StorageError } from './storage-error.ts';

/** What the connected database offers, fixed for a database at its first migration. */
export interface Capabilities {
  /** Hypertables, compression, continuous aggregates and policies are in use. */
  timescaledb: boolean;
  timescaledbVersion: string | null;
  /** `server_version_num`, e.g. 150008. */
  serverVersion: number;
}

export type TimescaleMode = 'auto' | 'require' | 'off';

const MIN_SERVER_VERSION = 150_000;

async function installedTimescale(client: pg.ClientBase): Promise<string | null> {
  const result = await client.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`);
  return result.rows[0]?.extversion ?? null;
}

async function apacheOnly(client: pg.ClientBase): Promise<boolean> {
  const license = await client.query<{ license: string | null }>(`SELECT current_setting('timescaledb.license', true) AS license`);
  return license.rows[0]?.license === 'apache';
}

/**
 * Decides the storage mode for a database. A mode already recorded in `sextant_meta` wins (a
 * database never switches paths); otherwise TimescaleDB is used when `mode` allows and the server
 * can load the extension.
 */
export async function detectCapabilities(client: pg.ClientBase, mode: TimescaleMode, recorded: 'timescaledb' | 'postgres' | null): Promise<Capabilities> {
  const version = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v);
  if (version < MIN_SERVER_VERSION) {
    throw new StorageError('STORAGE_UNAVAILABLE', `PostgreSQL ${Math.floor(version / 10_000)} is too old: Sextant needs 15 or newer`);
  }
  let timescale = await installedTimescale(client);
  if (recorded === 'timescaledb') {
    if (timescale === null) {
      throw new StorageError('STORAGE_TIMESCALEDB_MISSING', 'this database was set up with TimescaleDB, but the extension is not installed now');
    }
    return { timescaledb: true, timescaledbVersion: timescale, serverVersion: version };
  }
  if (recorded === 'postgres' && mode === 'require') {
    throw new StorageError('STORAGE_TIMESCALEDB_MISSING', 'SEXTANT_TIMESCALEDB=require, but this database was set up without TimescaleDB');
  }
  if (recorded === 'postgres' || mode === 'off') return { timescaledb: false, timescaledbVersion: null, serverVersion: version };

  // The Apache-licensed build has no compression or continuous aggregates: not enough for Sextant.
  let apache = false;
  if (timescale === null) {
    const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    if (available.rowCount === 1) {
      await client.query('SAVEPOINT timescale_probe');
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT timescale_probe');
        if (mode === 'require') throw new StorageError('STORAGE_TIMESCALEDB_MISSING', 'TimescaleDB is required but could not be loaded', { cause: err });
      }
      timescale = await installedTimescale(client);
      apache = timescale !== null && (await apacheOnly(client));
      // Undo the CREATE EXTENSION above when the build is not one Sextant can use.
      if (apache) await client.query('ROLLBACK TO SAVEPOINT timescale_probe');
      await client.query('RELEASE SAVEPOINT timescale_probe');
    }
  } else {
    apache = await apacheOnly(client);
  }
  if (apache) timescale = null;
  if (timescale === null && mode === 'require') {
    throw new StorageError(
      'STORAGE_TIMESCALEDB_MISSING',
      apache
        ? 'SEXTANT_TIMESCALEDB=require, but TimescaleDB runs with timescaledb.license=apache (no compression or continuous aggregates)'
        : 'SEXTANT_TIMESCALEDB=require, but the server does not offer the timescaledb extension',
    );
  }
  return { timescaledb: timescale !== null, timescaledbVersion: timescale, serverVersion: version };
}
