import { migrate, openStorage, retentionOf, startEmbeddedPostgres } from '@sextant/storage';
import type { Capabilities, Storage, StorageConfig } from '@sextant/storage';
import type { Logger } from '@sextant/log';
import type { Shutdown } from './shutdown.ts';

export interface StartedStorage {
  storage: Storage;
  caps: Capabilities;
  /** Where the database is, for the start-up summary (no password). */
  where: string;
  applied: string[];
}

/** Embedded PostgreSQL when `DATABASE_URL` is unset, both pools, and migrations; all registered for shutdown. */
export async function startStorage(config: StorageConfig, log: Logger, shutdown: Shutdown, applicationName: string): Promise<StartedStorage> {
  let url = config.DATABASE_URL;
  let where: string;
  if (url === undefined) {
    const embedded = shutdown.add('embedded PostgreSQL', await startEmbeddedPostgres({ dataDir: config.SEXTANT_DATA_DIR, log }));
    url = embedded.url;
    where = `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${config.SEXTANT_DATA_DIR}/pg)`;
  } else {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  }
  const storage = shutdown.add('database pools', await openStorage({ url, log, applicationName }));
  const { caps, applied } = await migrate({ pool: storage.pool, mode: config.SEXTANT_TIMESCALEDB, retention: retentionOf(config), log });
  return { storage, caps, where: `${where}, ${caps.timescaledb ? `TimescaleDB ${caps.timescaledbVersion}` : 'plain PostgreSQL partitions'}`, applied };
}
