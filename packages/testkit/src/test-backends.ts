import { inject } from 'vitest';
import type { StorageOptions } from '@sextant/storage';
import { inCI } from './peer.ts';
import { startPgliteTimescale } from './pglite-timescale.ts';
import { createServerDatabase } from './server-database.ts';
import type { TestDatabase } from './server-database.ts';

/** A database server the storage tests run against. */
export interface TestBackend {
  name: string;
  /** Whether this backend has TimescaleDB (so Sextant takes the TimescaleDB path). */
  timescaledb: boolean;
  /** Set when the backend is not available here; `create()` then throws. */
  skip: boolean;
  /** Pool settings to pass to `openStorage`. PGlite serves one connection at a time, so both pools
   * keep one connection and give it back as soon as it is idle; and as its connections share one
   * session whose default search_path is pg_catalog, a reset must restore `public`. */
  poolLimits: Pick<StorageOptions, 'maxConnections' | 'maxQueryConnections' | 'idleTimeoutMs' | 'sessionReset'>;
  /** A fresh, empty database for one test file. */
  create(): Promise<TestDatabase>;
}

/**
 * The backends of ARCHITECTURE.md's test matrix: PostgreSQL at `DATABASE_URL` (when set), the
 * embedded PostgreSQL started by the global setup, and TimescaleDB at `TIMESCALE_URL` or else the
 * PGlite TimescaleDB build. Unavailable ones are returned with `skip` and a printed notice.
 */
export function testBackends(): TestBackend[] {
  const databaseUrl = process.env.DATABASE_URL;
  const timescaleUrl = process.env.TIMESCALE_URL;
  if (databaseUrl === undefined || databaseUrl === '') {
    const message = 'DATABASE_URL is not set: the external PostgreSQL backend is skipped';
    if (inCI) throw new Error(`${message} (CI must set it, see .ci/run)`);
    process.stderr.write(`SKIP: ${message}\n`);
  }
  const backends: TestBackend[] = [
    {
      name: 'PostgreSQL at DATABASE_URL',
      timescaledb: false,
      skip: databaseUrl === undefined || databaseUrl === '',
      poolLimits: {},
      create: () => createServerDatabase(databaseUrl!),
    },
    {
      name: 'embedded PostgreSQL',
      timescaledb: false,
      skip: false,
      poolLimits: {},
      create: () => createServerDatabase(inject('embeddedPostgresUrl')),
    },
    timescaleUrl !== undefined && timescaleUrl !== ''
      ? { name: 'TimescaleDB at TIMESCALE_URL', timescaledb: true, skip: false, poolLimits: {}, create: () => createServerDatabase(timescaleUrl) }
      : {
          name: 'TimescaleDB (PGlite build)',
          timescaledb: true,
          skip: false,
          poolLimits: { maxConnections: 1, maxQueryConnections: 1, idleTimeoutMs: 50, sessionReset: 'DISCARD ALL; SET search_path TO public' },
          create: startPgliteTimescale,
        },
  ];
  return backends.filter((b) => !b.skip);
}
