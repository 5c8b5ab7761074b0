import type { Context } from 'koa';
import { z } from 'zod';
import type { Logger } from '@sextant/log';
import type { Matcher } from '../promql/ast.ts';
import { ALERT_EVAL_INTERVAL_MS } from '../alerts/alert-engine.ts';
import { prometheusAlerts, prometheusRules } from '../alerts/prometheus-rules.ts';
import { createEngine } from '../promql/engine.ts';
import { parsePromql } from '../promql/parse-promql.ts';
import { badData } from '../promql/promql-error.ts';
import { createSqlSeriesSource } from '../promql/sql-series-source.ts';
import { defineRoute } from '../route.ts';
import type { RouteAuth, RouteModule, RouteSpec } from '../route.ts';
import { MAX_TIME_MS, MIN_TIME_MS, PromParams } from './prom-params.ts';
import { encodeResult, sendError, sendSuccess } from './prom-response.ts';
import { findSeries, labelNames, labelValues } from './series-lookup.ts';

const TAGS = ['prometheus'];
/** Reading is enough for every endpoint here, POST included (a query is not a write). */
const AUTH: RouteAuth = { role: 'viewer', scope: 'read' };
/** Prometheus's cap on points per series of a range query (compat §4.2). */
const MAX_POINTS = 11_000;
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Kept permissive on purpose: problems are answered in the Prometheus envelope, not as problem+json.
const anyQuery = z.record(z.string(), z.unknown());
const anyBody = z.unknown();

const successSchema = z.object({ status: z.literal('success'), data: z.unknown(), warnings: z.array(z.string()).optional() });
const errorSchema = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });
const RESPONSES = {
  200: { description: 'Prometheus envelope `{status:"success", data}`', schema: successSchema },
  400: { description: 'Prometheus envelope, errorType bad_data', schema: errorSchema, contentType: 'application/json' },
  422: { description: 'Prometheus envelope, errorType execution', schema: errorSchema, contentType: 'application/json' },
  500: { description: 'Prometheus envelope, errorType internal', schema: errorSchema, contentType: 'application/json' },
  503: { description: 'Prometheus envelope, errorType timeout or unavailable', schema: errorSchema, contentType: 'application/json' },
};

type Handler = (p: PromParams, ctx: Context) => Promise<void>;

function route(method: 'get' | 'post', path: string, operationId: string, summary: string, log: Logger, handler: Handler): RouteSpec {
  return defineRoute({
    method, path, operationId: `${operationId}${method === 'post' ? 'Post' : ''}`, summary, tags: TAGS, auth: AUTH,
    query: anyQuery,
    ...(method === 'post' ? { body: anyBody } : {}),
    responses: RESPONSES,
    handler: async ({ ctx, body }) => {
      try {
        await handler(new PromParams(ctx, body), ctx);
      } catch (err) {
        sendError(ctx, err, log);
      }
      return undefined;
    },
  });
}

/** GET and form POST of one endpoint (compat §4.1). */
function both(path: string, operationId: string, summary: string, log: Logger, handler: Handler): RouteSpec[] {
  return [route('get', path, operationId, summary, log, handler), route('post', path, operationId, summary, log, handler)];
}

/** `match[]` selectors: plain vector selectors with at least one non-empty matcher. */
function selectors(p: PromParams): Matcher[][] {
  return p.all('match[]').map((text) => {
    let expr;
    try {
      expr = parsePromql(text);
    } catch (err) {
      throw badData(`invalid parameter "match[]": ${(err as Error).message}`);
    }
    if (expr.kind !== 'vector' || expr.offsetMs !== 0 || expr.at !== undefined) {
      throw badData(`invalid parameter "match[]": "${text}" is not a series selector`);
    }
    return expr.matchers;
  });
}

function span(p: PromParams): { startMs: number; endMs: number } {
  const startMs = p.time('start', MIN_TIME_MS);
  const endMs = p.time('end', MAX_TIME_MS);
  if (endMs < startMs) throw badData('invalid parameter "end": end timestamp must not be before start time');
  return { startMs, endMs };
}

function limited<T>(items: T[], limit: number): T[] {
  return limit > 0 && items.length > limit ? items.slice(0, limit) : items;
}

/** Prometheus's value escaping of label names in paths: `U__` then `_<hex>_` for each escaped rune, `__` for `_`. */
function unescapeLabelName(name: string): string {
  if (!name.startsWith('U__')) return name;
  return name.slice(3).replace(/__|_([0-9a-fA-F]+)_/g, (m, hex?: string) => (hex === undefined ? '_' : String.fromCodePoint(parseInt(hex, 16))));
}

/** The Prometheus-compatible read API (compat §4): queries, series, labels, metadata, build info. */
export const promApiRoutes: RouteModule = ({ storage, log: parentLog }) => {
  const log = parentLog.child({ module: 'prom-api' });
  const engine = createEngine({ source: createSqlSeriesSource({ pool: storage.pool }) });
  const queryOptions = (p: PromParams): { timeoutMs?: number; lookbackMs?: number } => {
    const timeoutMs = p.duration('timeout');
    const lookbackMs = p.duration('lookback_delta');
    return { ...(timeoutMs === undefined || timeoutMs <= 0 ? {} : { timeoutMs }), ...(lookbackMs === undefined || lookbackMs <= 0 ? {} : { lookbackMs }) };
  };
  const requireQuery = (p: PromParams): string => {
    const q = p.get('query');
    if (q === undefined) throw badData('invalid parameter "query": unknown position: parse error: no expression found in input');
    return q;
  };

  return [
    ...both('/api/v1/query', 'promQuery', 'PromQL instant query', log, async (p, ctx) => {
      const timeMs = p.time('time', Date.now());
      const result = await engine.instantQuery(requireQuery(p), timeMs, queryOptions(p));
      sendSuccess(ctx, undefined, encodeResult(result));
    }),
    ...both('/api/v1/query_range', 'promQueryRange', 'PromQL range query', log, async (p, ctx) => {
      for (const name of ['start', 'end', 'step']) {
        if (p.get(name) === undefined) throw badData(`invalid parameter "${name}": cannot parse "" to a valid ${name === 'step' ? 'duration' : 'timestamp'}`);
      }
      const startMs = p.time('start', 0);
      const endMs = p.time('end', 0);
      if (endMs < startMs) throw badData('invalid parameter "end": end timestamp must not be before start time');
      const stepMs = p.duration('step') ?? 0;
      if (stepMs <= 0) throw badData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      if ((endMs - startMs) / stepMs > MAX_POINTS) {
        throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      }
      const result = await engine.rangeQuery(requireQuery(p), startMs, endMs, stepMs, queryOptions(p));
      sendSuccess(ctx, undefined, encodeResult(result));
    }),
    ...both('/api/v1/series', 'promSeries', 'Series matching match[] selectors', log, async (p, ctx) => {
      const matchers = selectors(p);
      if (matchers.length === 0) throw badData('no match[] parameter provided');
      sendSuccess(ctx, limited(await findSeries(storage.pool, matchers, span(p)), p.limit()));
    }),
    ...both('/api/v1/labels', 'promLabels', 'Label names', log, async (p, ctx) => {
      const matchers = selectors(p);
      const time = span(p);
      let names: string[];
      if (matchers.length === 0) names = await labelNames(storage.pool, time);
      else names = [...new Set((await findSeries(storage.pool, matchers, time)).flatMap((l) => Object.keys(l)))].sort();
      sendSuccess(ctx, limited(names, p.limit()));
    }),
    route('get', '/api/v1/label/:name/values', 'promLabelValues', 'Values of one label', log, async (p, ctx) => {
      const raw = String((ctx.params as Record<string, string | undefined>).name ?? '');
      const name = unescapeLabelName(raw);
      if (name === '' || (name === raw && !LEGACY_LABEL.test(name))) throw badData(`invalid label name: "${raw}"`);
      const matchers = selectors(p);
      const time = span(p);
      let values: string[];
      if (matchers.length === 0) values = await labelValues(storage.pool, name, time);
      else {
        const found = await findSeries(storage.pool, matchers, time);
        values = [...new Set(found.flatMap((l) => (l[name] === undefined ? [] : [l[name]])))].sort();
      }
      sendSuccess(ctx, limited(values, p.limit()));
    }),
    route('get', '/api/v1/metadata', 'promMetadata', 'Metric metadata (TYPE, HELP, UNIT) by metric family', log, async (p, ctx) => {
      const metric = p.get('metric');
      const limit = p.limit();
      const { rows } = await storage.pool.query<{ metric_family: string; type: string; help: string; unit: string }>(
        `SELECT metric_family, type, help, unit FROM metric_metadata WHERE ($1::text IS NULL OR metric_family = $1) ORDER BY metric_family ${limit > 0 ? `LIMIT ${limit}` : ''}`,
        [metric ?? null],
      );
      const data: Record<string, { type: string; help: string; unit: string }[]> = {};
      for (const r of rows) data[r.metric_family] = [{ type: r.type, help: r.help, unit: r.unit }];
      sendSuccess(ctx, data);
    }),
    route('get', '/api/v1/status/buildinfo', 'promBuildInfo', 'Build information; `version` is the Prometheus API level served', log, (_p, ctx) => {
      // No `features`: Grafana then treats this as Prometheus, not Mimir (compat §4.3).
      sendSuccess(ctx, { version: '2.42.0', revision: 'sextant', branch: 'sextant', buildUser: 'sextant', buildDate: '', goVersion: `node${process.versions.node}` });
      return Promise.resolve();
    }),
    ...both('/api/v1/query_exemplars', 'promQueryExemplars', 'Exemplars (none are stored)', log, (p, ctx) => {
      span(p);
      sendSuccess(ctx, []);
      return Promise.resolve();
    }),
    route('get', '/api/v1/rules', 'promRules', 'Recording and alerting rule groups', log, async (_p, ctx) => {
      sendSuccess(ctx, await prometheusRules(storage.pool, ALERT_EVAL_INTERVAL_MS));
    }),
    route('get', '/api/v1/alerts', 'promAlerts', 'Active alerts', log, async (_p, ctx) => {
      sendSuccess(ctx, await prometheusAlerts(storage.pool));
    }),
  ];
};
