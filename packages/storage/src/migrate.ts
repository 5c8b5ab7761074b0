import type pg from 'pg';
import { Umzug } from 'umzug';
import type { Logger } from '@sextant/log';
import { detectCapabilities } from './capabilities.ts';
import type { Capabilities, TimescaleMode } from './capabilities.ts';
import type { Migration, MigrationContext } from './migration.ts';
import { migrations } from './migrations/index.ts';
import { applyTimescalePolicies } from './timescale-policies.ts';
import type { Retention } from './storage-config.ts';
import { StorageError } from './storage-error.ts';

// Serialises concurrent `migrate` runs (several services starting at once) on one database.
const MIGRATION_LOCK = 0x5e_7a_01;

export interface MigrateOptions {
  pool: pg.Pool;
  mode: TimescaleMode;
  retention: Retention;
  log: Logger;
}

export interface MigrateResult {
  caps: Capabilities;
  /** Names of the migrations this run applied (empty when the schema was current). */
  applied: string[];
}

/**
 * Brings the schema up to date and (on TimescaleDB) the retention policies in line with the
 * config. Safe to run twice and from several processes at once.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log.child({ module: 'migrate' });
  const client = await options.pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const caps = await chooseMode(client, options.mode);
    const applied = await runMigrations(client, caps, log);
    if (caps.timescaledb) await applyTimescalePolicies(client, options.retention, log);
    log.info({ applied, timescaledb: caps.timescaledb }, applied.length > 0 ? 'migrations applied' : 'schema is current');
    return { caps, applied };
  } catch (err) {
    failure = err instanceof StorageError ? err : new StorageError('STORAGE_MIGRATION_FAILED', `migration failed: ${(err as Error).message}`, { cause: err });
    throw failure;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    // After a failure the session may hold an aborted transaction or the lock: discard it.
    client.release(failure);
  }
}

async function chooseMode(client: pg.PoolClient, mode: TimescaleMode): Promise<Capabilities> {
  await client.query('BEGIN');
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS sextant_meta (key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE IF NOT EXISTS sextant_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    `);
    const stored = await client.query<{ value: 'timescaledb' | 'postgres' }>(`SELECT value FROM sextant_meta WHERE key = 'storage_mode'`);
    const caps = await detectCapabilities(client, mode, stored.rows[0]?.value ?? null);
    await client.query(`INSERT INTO sextant_meta (key, value) VALUES ('storage_mode', $1) ON CONFLICT (key) DO NOTHING`, [
      caps.timescaledb ? 'timescaledb' : 'postgres',
    ]);
    await client.query('COMMIT');
    return caps;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

async function runMigrations(client: pg.PoolClient, caps: Capabilities, log: Logger): Promise<string[]> {
  const context: MigrationContext = { client, caps };
  const record = (name: string) =>
    client.query('INSERT INTO sextant_migrations (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
  const umzug = new Umzug<MigrationContext>({
    context,
    migrations: migrations.map((m: Migration) => ({
      name: m.name,
      up: async ({ context: ctx }) => {
        if (m.transaction === false) {
          await m.up(ctx);
          return;
        }
        // The migration and its record commit together, so a crash never leaves one without the other.
        await client.query('BEGIN');
        try {
          await m.up(ctx);
          await record(m.name);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      },
    })),
    storage: {
      executed: async () => (await client.query<{ name: string }>('SELECT name FROM sextant_migrations ORDER BY name')).rows.map((r) => r.name),
      logMigration: async ({ name }) => {
        await record(name);
      },
      unlogMigration: async ({ name }) => {
        await client.query('DELETE FROM sextant_migrations WHERE name = $1', [name]);
      },
    },
    logger: {
      info: (event) => log.debug(event, 'migration event'),
      warn: (event) => log.warn(event, 'migration warning'),
      error: (event) => log.error(event, 'migration error'),
      debug: (event) => log.debug(event, 'migration event'),
    },
  });
  const done = await umzug.up();
  return done.map((m) => m.name);
}
