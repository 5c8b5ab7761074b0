import { describe, expect, it } from 'vitest';
import {
  MacroError,
  expandGrafanaSql,
  expandMacros,
  formatInterval,
  interpolatePromVariables,
  interpolateSqlVariables,
  parseInterval,
  rfc3339Nano,
} from './grafana-macros.ts';

// The range of Grafana's macros_test.go (prometheus-compat.md §6.3): 2018-04-12 18:00:00–18:05:00 UTC.
const from = new Date('2018-04-12T18:00:00Z');
const to = new Date('2018-04-12T18:05:00Z');
const plain = { from, to, intervalMs: 60_000, timescaledb: false };
const timescale = { ...plain, timescaledb: true };

describe('Grafana PostgreSQL macro expansion (§6.3)', () => {
  it.each([
    ['$__time(time_column)', 'time_column AS "time"'],
    ['$__timeEpoch(time_column)', 'extract(epoch from time_column) as "time"'],
    ['$__timeFilter(time_column)', "time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'"],
    ['$__timeFrom()', "'2018-04-12T18:00:00Z'"],
    ['$__timeTo()', "'2018-04-12T18:05:00Z'"],
    ["$__timeGroup(time_column,'5m')", 'floor(extract(epoch from time_column)/300)*300'],
    ["$__timeGroup(time_column, '5m', NULL)", 'floor(extract(epoch from time_column)/300)*300'],
    ["$__timeGroupAlias(time_column,'5m')", 'floor(extract(epoch from time_column)/300)*300 AS "time"'],
    ['$__unixEpochFilter(time)', 'time >= 1523556000 AND time <= 1523556300'],
    ['$__unixEpochFrom() $__unixEpochTo()', '1523556000 1523556300'],
    ['$__unixEpochNanoFilter(time)', 'time >= 1523556000000000000 AND time <= 1523556300000000000'],
    ["$__unixEpochGroup(time_column,'5m')", 'floor((time_column)/300)*300'],
    ["$__unixEpochGroupAlias(time_column,'5m')", 'floor((time_column)/300)*300 AS "time"'],
    ['$__interval $__interval_ms', '1m 60000'],
  ])('plain PostgreSQL: %s', (sql, expected) => {
    expect(expandMacros(sql, plain)).toBe(expected);
  });

  it.each([
    ["$__timeGroup(time_column,'5m')", "time_bucket('300.000s',time_column)"],
    ["$__timeGroupAlias(time_column,'5m')", `time_bucket('300.000s',time_column) AS "time"`],
    ["$__timeGroup(time_column,'20ms')", "time_bucket('0.020s',time_column)"],
    ["$__timeGroup(time_column,'12d')", "time_bucket('1036800.000s',time_column)"],
  ])('TimescaleDB: %s', (sql, expected) => {
    expect(expandMacros(sql, timescale)).toBe(expected);
  });

  it('treats $__timeGroup directly followed by a comma as $__timeGroupAlias', () => {
    expect(expandMacros("SELECT $__timeGroup(c,'5m'), v FROM t", plain)).toBe('SELECT floor(extract(epoch from c)/300)*300 AS "time", v FROM t');
    expect(expandMacros("SELECT $__timeGroup(c,'5m') AS t, v FROM t", plain)).toBe('SELECT floor(extract(epoch from c)/300)*300 AS t, v FROM t');
  });

  it('substitutes $__interval before the macros, so it can be an argument', () => {
    expect(expandMacros('$__timeGroupAlias(ts, $__interval)', { ...plain, intervalMs: 7_200_000 })).toBe('floor(extract(epoch from ts)/7200)*7200 AS "time"');
    expect(expandMacros('$__timeGroupAlias(ts, $__interval)', { ...timescale, intervalMs: 30_000 })).toBe(`time_bucket('30.000s',ts) AS "time"`);
  });

  it('refuses unknown macros and missing arguments', () => {
    expect(() => expandMacros('$__nope(x)', plain)).toThrow(MacroError);
    expect(() => expandMacros('$__timeGroup(x)', plain)).toThrow(/needs time column and interval/);
    expect(() => expandMacros('$__timeFilter()', plain)).toThrow(/needs time column/);
  });
});

describe('Grafana formatting helpers', () => {
  it.each([
    [500, '500ms'],
    [0.5, '1ms'],
    [15_000, '15s'],
    [90_000, '1m'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [36 * 3_600_000, '1d'],
    [400 * 86_400_000, '1y'],
  ])('formatInterval(%d) = %s', (ms, text) => {
    expect(formatInterval(ms)).toBe(text);
  });

  it('parses intervals with or without quotes', () => {
    expect(parseInterval("'5m'")).toBe(300_000);
    expect(parseInterval('1d')).toBe(86_400_000);
    expect(parseInterval('20ms')).toBe(20);
    expect(() => parseInterval('five')).toThrow(MacroError);
  });

  it('formats times like Go RFC3339Nano', () => {
    expect(rfc3339Nano(new Date('2018-04-12T18:00:00.000Z'))).toBe('2018-04-12T18:00:00Z');
    expect(rfc3339Nano(new Date('2018-04-12T18:00:00.120Z'))).toBe('2018-04-12T18:00:00.12Z');
  });
});

describe('dashboard variables (§6.4)', () => {
  it('quotes multi-value and include-All variables and joins them with commas', () => {
    const variables = { server: { value: ['a', "o'b"], multi: true }, one: { value: 'x', multi: true } };
    expect(interpolateSqlVariables('id IN ($server) AND n IN (${one}) AND [[one]]', variables)).toBe("id IN ('a','o''b') AND n IN ('x') AND 'x'");
  });

  it('inserts a single-value variable unquoted with its quotes doubled', () => {
    expect(interpolateSqlVariables("name = '$name'", { name: { value: "o'b", multi: false } })).toBe("name = 'o''b'");
  });

  it('leaves macros and unknown names to the backend', () => {
    const ctx = { ...plain, variables: { server: { value: 'x', multi: false } } };
    expect(expandGrafanaSql("SELECT $__timeFrom(), '$server', $other", ctx)).toBe("SELECT '2018-04-12T18:00:00Z', 'x', $other");
  });

  it('turns several Prometheus values into an escaped alternation', () => {
    expect(interpolatePromVariables('up{job=~"$job"}', { job: ['a.b', 'c'] })).toBe('up{job=~"(a\\.b|c)"}');
    expect(interpolatePromVariables('up{job=~"$job"}', { job: '.+' })).toBe('up{job=~".+"}');
  });
});
