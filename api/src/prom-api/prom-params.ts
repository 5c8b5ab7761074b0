import type { Context } from 'koa';
import { durationMs } from '../promql/parse-literals.ts';
import { badData } from '../promql/promql-error.ts';

/** Go's MinTime/MaxTime as Prometheus prints them; clients send them back as "no bound". */
const MIN_TIME_TEXT = '-292273086-05-16T16:47:06Z';
const MAX_TIME_TEXT = '292277025-08-17T07:12:55.807Z';
/** What an absent or min/max `start`/`end` means here, in ms (well beyond any stored sample). */
export const MIN_TIME_MS = -8_640_000_000_000_000;
export const MAX_TIME_MS = 8_640_000_000_000_000;

/**
 * The request's parameters as Go's `r.FormValue` sees them: form body values first, then the URL
 * query (compat §4.1). Unknown parameters are ignored.
 */
export class PromParams {
  private readonly values = new Map<string, string[]>();

  constructor(ctx: Context, body: unknown) {
    const add = (source: Record<string, unknown>): void => {
      for (const [k, v] of Object.entries(source)) {
        const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
        this.values.set(k, [...(this.values.get(k) ?? []), ...list]);
      }
    };
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) add(body as Record<string, unknown>);
    add(ctx.query);
  }

  get(name: string): string | undefined {
    const v = this.values.get(name)?.[0];
    return v === undefined || v === '' ? undefined : v;
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** A time parameter (RFC3339 or unix seconds, compat §4.1) in ms, or `fallback` when absent. */
  time(name: string, fallback: number): number {
    const text = this.get(name);
    if (text === undefined) return fallback;
    const ms = parseTime(text);
    if (ms === undefined) throw badData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
    return ms;
  }

  /** A duration parameter (`5m` or float seconds) in ms, or undefined when absent. */
  duration(name: string): number | undefined {
    const text = this.get(name);
    if (text === undefined) return undefined;
    const ms = parseDurationParam(text);
    if (ms === undefined) throw badData(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
    return ms;
  }

  /** A non-negative integer `limit` (0 or absent: no limit). */
  limit(): number {
    const text = this.get('limit');
    if (text === undefined) return 0;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw badData(`invalid parameter "limit": cannot parse "${text}" to a valid limit`);
    return n;
  }
}

/** Prometheus's parseTime: float unix seconds or RFC3339 (plus its own min/max strings). */
export function parseTime(text: string): number | undefined {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
  }
  if (text === MIN_TIME_TEXT) return MIN_TIME_MS;
  if (text === MAX_TIME_TEXT) return MAX_TIME_MS;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Prometheus's parseDuration: float seconds or a duration such as `1m30s`. */
export function parseDurationParam(text: string): number | undefined {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || Math.abs(seconds) * 1000 > Number.MAX_SAFE_INTEGER) return undefined;
    return Math.round(seconds * 1000);
  }
  return durationMs(text);
}
