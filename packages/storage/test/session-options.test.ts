import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@sextant/log';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { openStorage, withSessionOptions } from '../src/index.ts';
import type { Storage } from '../src/index.ts';

const log = createLogger({ level: 'silent' });

describe('withSessionOptions', () => {
  it('adds the session settings to the URL, after any options of its own', () => {
    const plain = new URL(withSessionOptions('postgres://u:p@db.example:5432/sextant?sslmode=require'));
    expect(plain.searchParams.get('options')).toBe('-c DateStyle=ISO -c IntervalStyle=postgres');
    expect(plain.searchParams.get('sslmode')).toBe('require');
    expect(`${plain.username}:${plain.password}@${plain.host}${plain.pathname}`).toBe('u:p@db.example:5432/sextant');
    const own = new URL(withSessionOptions('postgres://u@db/s?options=-c%20statement_timeout%3D5s'));
    expect(own.searchParams.get('options')).toBe('-c statement_timeout=5s -c DateStyle=ISO -c IntervalStyle=postgres');
  });
});

describe.each(testBackends())('timestamps and intervals on $name, whatever DateStyle the database sets', (backend) => {
  let database: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    database = await backend.create();
    const setup = await openStorage({ url: database.url, log, ...backend.poolLimits });
    await setup.pool.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET DateStyle = %L', current_database(), 'SQL, DMY'); EXECUTE format('ALTER DATABASE %I SET IntervalStyle = %L', current_database(), 'iso_8601'); END $$`);
    await setup.close();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits, maxQueryConnections: 1 });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('keeps ISO when the URL itself asks for another DateStyle', async () => {
    const url = new URL(database.url);
    url.searchParams.set('options', '-c DateStyle=SQL,DMY');
    const own = await openStorage({ url: url.toString(), log, ...backend.poolLimits });
    try {
      const row = (await own.pool.query<{ t: Date }>(`SELECT TIMESTAMPTZ '2026-03-04 05:06:07Z' AS t`)).rows[0]!;
      expect(row.t).toEqual(new Date('2026-03-04T05:06:07Z'));
    } finally {
      await own.close();
    }
  });

  it('reads them as the client expects on both pools, also after a session reset', async () => {
    const query = `SELECT TIMESTAMPTZ '2026-03-04 05:06:07Z' AS t, INTERVAL '90 minutes' AS i, current_setting('DateStyle') AS style`;
    const row = (await storage.pool.query<{ t: Date; i: { hours?: number; minutes?: number }; style: string }>(query)).rows[0]!;
    expect(row.t).toEqual(new Date('2026-03-04T05:06:07Z'));
    expect(row.i).toMatchObject({ hours: 1, minutes: 30 });
    expect(row.style).toMatch(/^ISO/);
    const typed = await storage.typed();
    // Twice on its one connection: the second runs after the pool's session reset.
    for (let i = 0; i < 2; i++) {
      const style = await typed.one(sql.type(z.object({ style: z.string(), t: z.number() }))`
        SELECT current_setting('DateStyle') AS style, TIMESTAMPTZ '2026-03-04 05:06:07Z' AS t`);
      expect(style).toEqual({ style: expect.stringMatching(/^ISO/), t: Date.parse('2026-03-04T05:06:07Z') });
    }
  });
});
