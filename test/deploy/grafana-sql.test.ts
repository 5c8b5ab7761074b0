import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { ROOT, loadDashboards, sqlQueries } from './dashboards.ts';
import type { Dashboard, SqlQuery } from './dashboards.ts';
import { expandGrafanaSql } from './grafana-macros.ts';
import type { Variable } from './grafana-macros.ts';
import { seedMonitoringData } from './grafana-seed.ts';

// Must-show 1 of the Grafana work: every SQL panel target, SQL variable and SQL annotation of every
// bundled dashboard runs against a migrated, seeded database on plain PostgreSQL and on
// TimescaleDB, with Grafana's variable interpolation and macros expanded as Grafana does
// (prometheus-compat.md §6.3, §6.4; see grafana-macros.ts), as the read-only role of
// compose/postgres/grafana-reader.sql, and returns the columns its panel needs.

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const HOUR = 3_600_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const dashboards = loadDashboards();

// PostgreSQL type oids (pg_type): what Grafana's PostgreSQL plugin reads as time, number and string.
const TIME_TYPES = new Set([1082, 1114, 1184]);
const NUMBER_TYPES = new Set([20, 21, 23, 700, 701, 1700]);
const STRING_TYPES = new Set([19, 25, 1042, 1043, 2950]);

/** The ranges each query runs over: $__interval below one hour reads raw snapshots, above it rollups. */
const RANGES = [
  { name: 'last 6 hours at 1m', spanMs: 6 * HOUR, intervalMs: 60_000 },
  { name: 'last 10 days at 2h', spanMs: 10 * DAY, intervalMs: 2 * HOUR },
] as const;

/**
 * grafana-reader.sql as `psql -v reader=… -v password=… -f` runs it: the two variables substituted,
 * then one statement at a time (a `;` ends a statement only outside `$$` bodies).
 */
function readerStatements(role: string, password: string): string[] {
  const text = readFileSync(path.join(ROOT, 'compose/postgres/grafana-reader.sql'), 'utf8');
  const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
  const sql = text.replaceAll(":'reader'", literal(role)).replaceAll(":'password'", literal(password));
  const statements: string[] = [];
  let current = '';
  for (const line of sql.split('\n')) {
    if (line.startsWith('--')) continue;
    current += `${line}\n`;
    if ((current.split('$$').length - 1) % 2 === 0 && line.trimEnd().endsWith(';')) {
      statements.push(current.trim());
      current = '';
    }
  }
  return statements.filter((s) => s !== '');
}

describe.each(testBackends())('Grafana SQL on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let timescaledb = false;
  const reader = `sextant_grafana_${randomBytes(4).toString('hex')}`;
  const now = new Date();

  /** Runs one SQL as the Grafana reader role. */
  const asReader = async (sql: string): Promise<pg.QueryResult> => {
    const client = await storage.pool.connect();
    try {
      await client.query(`SET ROLE ${reader}`);
      try {
        return await client.query(sql);
      } finally {
        await client.query('RESET ROLE');
      }
    } finally {
      client.release();
    }
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    timescaledb = caps.timescaledb;
    expect(timescaledb).toBe(backend.timescaledb);
    await runMaintenance({ pool: storage.pool, caps, retention, log }, now); // partitions on plain PostgreSQL
    await seedMonitoringData(storage.pool, now);
    if (timescaledb) {
      await storage.pool.query(`CALL refresh_continuous_aggregate('metrics_snapshots_1h', NULL, $1::timestamptz)`, [now]);
    } else {
      await runMaintenance({ pool: storage.pool, caps, retention, log }, now); // the hourly rollup
    }
    for (const statement of readerStatements(reader, 'not-a-secret')) {
      await storage.pool.query(statement).catch((err: Error) => {
        throw new Error(`grafana-reader.sql: ${err.message} in ${statement}`);
      });
    }
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
    if (!backend.timescaledb && database !== undefined) {
      const admin = await openStorage({ url: new URL('/postgres', database.url).toString(), log });
      await admin.pool.query(`DROP ROLE IF EXISTS ${reader}`).finally(() => admin.close());
    }
  });

  it('the reader role reads the monitoring tables but not users or tokens', async () => {
    await expect(asReader('SELECT count(*) FROM metrics_snapshots_1h')).resolves.toBeDefined();
    for (const table of ['users', 'api_tokens', 'refresh_tokens']) {
      await expect(asReader(`SELECT count(*) FROM ${table}`), table).rejects.toThrow(/permission denied/);
    }
  });

  it('the rollup is filled, so both branches of the raw/rollup panels have data', async () => {
    const rows = await asReader('SELECT count(*)::int AS n FROM metrics_snapshots_1h');
    expect(rows.rows[0].n).toBeGreaterThan(3 * 24 * 9);
  });

  /** The values each variable can take, from its own query (the variable runs too). */
  const variableChoices = async (dashboard: Dashboard): Promise<Record<string, { options: string[]; multi: boolean }>> => {
    const choices: Record<string, { options: string[]; multi: boolean }> = {};
    for (const variable of dashboard.templating?.list ?? []) {
      const multi = variable.multi === true || variable.includeAll === true;
      if (variable.type === 'custom' && typeof variable.query === 'string') {
        choices[variable.name!] = { options: variable.query.split(',').map((s) => s.trim()), multi };
      } else if (variable.type === 'query' && variable.datasource?.uid === 'sextant-postgres' && typeof variable.query === 'string') {
        const result = await asReader(expandGrafanaSql(variable.query, { from: new Date(now.getTime() - 6 * HOUR), to: now, intervalMs: 60_000, timescaledb }));
        choices[variable.name!] = { options: result.rows.map((r: Record<string, unknown>) => String(r.__value ?? Object.values(r)[0])), multi };
      }
    }
    return choices;
  };

  /** "All" (every option) and the first option alone, as Grafana would pass them. */
  const selections = (choices: Record<string, { options: string[]; multi: boolean }>): { name: string; variables: Record<string, Variable> }[] => {
    const all: Record<string, Variable> = {};
    const one: Record<string, Variable> = {};
    for (const [name, { options, multi }] of Object.entries(choices)) {
      all[name] = { value: multi ? options : options[0]!, multi };
      one[name] = { value: multi ? [options[0]!] : options[0]!, multi };
    }
    return [
      { name: 'All', variables: all },
      { name: 'first value', variables: one },
    ];
  };

  const checkShape = (query: SqlQuery, result: pg.QueryResult) => {
    const fields = result.fields.map((f) => ({ name: f.name, oid: f.dataTypeID }));
    const names = fields.map((f) => f.name);
    const label = `${query.where}: columns ${names.join(', ')}`;
    if (query.kind === 'variable') {
      expect(names.includes('__value') ? names.includes('__text') : names.length === 1, label).toBe(true);
      return;
    }
    if (query.kind === 'annotation') {
      expect(names, label).toEqual(expect.arrayContaining(['time', 'timeend', 'text', 'tags']));
      return;
    }
    if (query.format === 'time_series') {
      const time = fields.find((f) => f.name === 'time');
      expect(time, label).toBeDefined();
      // $__timeGroup is time_bucket() (a timestamp) on TimescaleDB and epoch seconds (numeric) without (§6.3).
      if (/\$__timeGroup/.test(query.rawSql)) expect(TIME_TYPES.has(time!.oid) === timescaledb && NUMBER_TYPES.has(time!.oid) !== timescaledb, label).toBe(true);
      const values = fields.filter((f) => f.name !== 'time' && NUMBER_TYPES.has(f.oid));
      expect(values.length, label).toBeGreaterThan(0);
      const metric = fields.find((f) => f.name === 'metric');
      if (metric !== undefined) {
        expect(STRING_TYPES.has(metric.oid), label).toBe(true);
        expect(fields, `${label}: the "metric" form has exactly 3 columns`).toHaveLength(3);
      }
      const times = result.rows.map((r: Record<string, unknown>) => (r.time instanceof Date ? r.time.getTime() : Number(r.time)));
      expect(times.every((t, i) => i === 0 || times[i - 1]! <= t), `${label}: ordered by time`).toBe(true);
      return;
    }
    expect(query.format, label).toBe('table');
    expect(fields.length, label).toBeGreaterThan(0);
    if (query.panelType === 'stat' || query.panelType === 'gauge' || query.panelType === 'bargauge') {
      expect(fields.some((f) => NUMBER_TYPES.has(f.oid) || f.name === 'Status'), `${label}: a value to show`).toBe(true);
    }
  };

  describe.each(dashboards)('$file', ({ dashboard }) => {
    const queries = sqlQueries(dashboard);

    it.each(RANGES)('every SQL query runs and has its columns: $name', async (range) => {
      const ctxBase = { from: new Date(now.getTime() - range.spanMs), to: now, intervalMs: range.intervalMs, timescaledb };
      const choices = await variableChoices(dashboard);
      for (const selection of selections(choices)) {
        for (const query of queries) {
          const sql = expandGrafanaSql(query.rawSql, { ...ctxBase, variables: selection.variables });
          expect(sql, `${query.where}: nothing left to expand`).not.toMatch(/\$\{?\w|\[\[/);
          const result = await asReader(sql).catch((err: Error) => {
            throw new Error(`${query.where} (${selection.name}, ${range.name}) failed: ${err.message}\n${sql}`);
          });
          checkShape(query, result);
          // The seed gives every query rows when every option is selected.
          if (selection.name === 'All' && query.kind !== 'annotation') expect(result.rowCount, `${query.where} (${range.name}) returns rows`).toBeGreaterThan(0);
        }
      }
    });
  });

  it('every dashboard that talks to PostgreSQL has SQL to test', () => {
    const counted = dashboards.map(({ file, dashboard }) => [file, sqlQueries(dashboard).length] as const);
    expect(counted.filter(([file]) => file !== 'sextant-self.json').every(([, n]) => n >= 5), JSON.stringify(counted)).toBe(true);
  });
});
