import type { Context } from 'koa';
import { isRetryable } from '@sextant/storage';
import type { Logger } from '@sextant/log';
import type { QueryResult, ResultSeries } from '../promql/engine.ts';
import { formatSampleValue } from '../promql/format-float.ts';
import { PromqlError } from '../promql/promql-error.ts';

/** Prometheus API error types and their statuses (compat §4.1). */
const STATUS_BY_TYPE: Record<string, number> = {
  bad_data: 400, execution: 422, timeout: 503, unavailable: 503, canceled: 499, internal: 500, not_found: 404,
};

/** Answers with the success envelope; `dataJson` is already JSON text (large matrices are built as text). */
export function sendSuccess(ctx: Context, data: unknown, dataJson?: string): void {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = `{"status":"success","data":${dataJson ?? JSON.stringify(data)}}`;
}

/** Answers with the error envelope: `bad_data` 400, `execution` 422, `timeout`/`unavailable` 503, else 500. */
export function sendError(ctx: Context, err: unknown, log: Logger): void {
  let errorType = 'internal';
  let message = 'internal error';
  if (err instanceof PromqlError) {
    errorType = err.code;
    message = err.message;
  } else if (isRetryable(err)) {
    errorType = 'unavailable';
    message = 'the database is unavailable, retry later';
  }
  if (errorType === 'internal' || errorType === 'unavailable') log.error({ err }, 'Prometheus API request failed');
  ctx.status = STATUS_BY_TYPE[errorType] ?? 500;
  ctx.type = 'application/json';
  if (errorType === 'unavailable') ctx.set('Retry-After', '5');
  ctx.body = JSON.stringify({ status: 'error', errorType, error: message });
}

/** A timestamp as Prometheus writes it: unix seconds, up to millisecond decimals. */
function ts(ms: number): string {
  return String(ms / 1000);
}

function point(t: number, v: number): string {
  return `[${ts(t)},"${formatSampleValue(v)}"]`;
}

function metric(s: ResultSeries): string {
  return JSON.stringify(s.labels);
}

/** The `data` of a query result as JSON text (compat §4.2 result formats). */
export function encodeResult(r: QueryResult): string {
  switch (r.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":${point(r.t, r.v)}}`;
    case 'string':
      return `{"resultType":"string","result":[${ts(r.t)},${JSON.stringify(r.s)}]}`;
    case 'vector':
      return `{"resultType":"vector","result":[${r.series.map((s) => `{"metric":${metric(s)},"value":${point(s.t[0] ?? 0, s.v[0] ?? NaN)}}`).join(',')}]}`;
    case 'matrix': {
      const parts = r.series.map((s) => {
        const values: string[] = new Array<string>(s.t.length);
        for (let i = 0; i < s.t.length; i++) values[i] = point(s.t[i] as number, s.v[i] as number);
        return `{"metric":${metric(s)},"values":[${values.join(',')}]}`;
      });
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}
