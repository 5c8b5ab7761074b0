import { inject } from 'vitest';
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
  /** Pool sizes to pass to `openStorage` (PGlite serves one session). */
  poolLimits: { maxConnections?: number; maxQueryConnections?: number };
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
          poolLimits: { maxConnections: 1, maxQueryConnections: 1 },
          create: startPgliteTimescale,
        },
  ];
  return backends.filter((b) => !b.skip);
}
