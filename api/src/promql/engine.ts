// PromQL over Sextant's stored series, with Prometheus 3's evaluation semantics: left-open range
// and lookback windows ((t − range, t]), 5-minute lookback, stale markers ending a series, rate()
// extrapolation as in 3.x, `@` and negative offsets always on. Float samples only (no native histograms).
import type { Expr, Labels, VectorSelector } from './ast.ts';
import { evaluateBySeries } from './evaluate-by-series.ts';
import { Evaluator } from './evaluator.ts';
import { compareLabels, labelsKey } from './labels.ts';
import { parsePromql, typeOf } from './parse-promql.ts';
import { PromqlError, badData } from './promql-error.ts';
import type { SampleBudget, SelectRequest, SeriesSource, StoredSeries } from './series-source.ts';

/** Engine options; every limit has a default. */
export interface EngineOptions {
  source: SeriesSource;
  /** How far back an instant selector looks for a sample; default 5 minutes (Prometheus's default). */
  lookbackMs?: number;
  /** Samples one query may load from storage plus points it may hold; default 20,000,000. */
  maxSamples?: number;
  /** Step of subqueries that give none; default 60 s (Prometheus's default evaluation interval). */
  defaultStepMs?: number;
  /** Default query timeout; default 2 minutes. */
  timeoutMs?: number;
}

export interface QueryOptions {
  timeoutMs?: number;
  lookbackMs?: number;
}

/** One series of a result; an instant vector's series have exactly one point. */
export interface ResultSeries {
  labels: Labels;
  t: number[];
  v: number[];
}

/** What a query gives: Prometheus's four result types, times in ms. */
export type QueryResult =
  | { resultType: 'scalar'; t: number; v: number }
  | { resultType: 'string'; t: number; s: string }
  | { resultType: 'vector'; series: ResultSeries[] }
  | { resultType: 'matrix'; series: ResultSeries[] };

/** Evaluates PromQL against a series source with Prometheus's semantics. */
export interface Engine {
  instantQuery(query: string, timeMs: number, options?: QueryOptions): Promise<QueryResult>;
  rangeQuery(query: string, startMs: number, endMs: number, stepMs: number, options?: QueryOptions): Promise<QueryResult & { resultType: 'matrix' }>;
}

interface Selection {
  selector: VectorSelector;
  request: SelectRequest;
}

interface Bounds {
  start: number;
  end: number;
  lookback: number;
  /** The range query's step while the walk is outside subqueries; 0 otherwise. */
  step: number;
}

/** Only the windows ending at the evaluation steps, when they leave gaps between steps. */
function gridOf(s: VectorSelector, windowMs: number, bounds: Bounds): SelectRequest['grid'] {
  if (bounds.step === 0 || s.at !== undefined || windowMs >= bounds.step) return undefined;
  return { startMs: bounds.start - s.offsetMs, stepMs: bounds.step, windowMs };
}

/** Walks the tree and records, for each selector, the time span its evaluations at [minTs, maxTs] read. */
function collectSelections(e: Expr, minTs: number, maxTs: number, bounds: Bounds, out: Selection[]): void {
  const at = (m: VectorSelector['at'], t: number): number =>
    m === undefined ? t : m.kind === 'time' ? m.ms : m.kind === 'start' ? bounds.start : bounds.end;
  switch (e.kind) {
    case 'vector': {
      const hi = at(e.at, maxTs) - e.offsetMs;
      const lo = at(e.at, minTs) - e.offsetMs;
      const grid = gridOf(e, bounds.lookback, bounds);
      // Evaluated at one time only, the selector takes each series' newest sample of its lookback.
      const single = lo === hi ? { latest: true } : {};
      out.push({ selector: e, request: { matchers: e.matchers, minMs: lo - bounds.lookback, maxMs: hi, ...(grid === undefined ? {} : { grid }), ...single } });
      return;
    }
    case 'matrix': {
      const s = e.selector;
      const grid = gridOf(s, e.rangeMs, bounds);
      out.push({ selector: s, request: { matchers: s.matchers, minMs: at(s.at, minTs) - s.offsetMs - e.rangeMs, maxMs: at(s.at, maxTs) - s.offsetMs, ...(grid === undefined ? {} : { grid }) } });
      return;
    }
    case 'subquery':
      collectSelections(e.expr, at(e.at, minTs) - e.offsetMs - e.rangeMs, at(e.at, maxTs) - e.offsetMs, { ...bounds, step: 0 }, out);
      return;
    case 'number': case 'string': return;
    case 'paren': case 'unary': collectSelections(e.expr, minTs, maxTs, bounds, out); return;
    case 'binary': collectSelections(e.lhs, minTs, maxTs, bounds, out); collectSelections(e.rhs, minTs, maxTs, bounds, out); return;
    case 'aggregate':
      if (e.param !== undefined) collectSelections(e.param, minTs, maxTs, bounds, out);
      collectSelections(e.expr, minTs, maxTs, bounds, out);
      return;
    case 'call': for (const a of e.args) collectSelections(a, minTs, maxTs, bounds, out); return;
  }
}

/** Creates an engine reading from `options.source`. */
export function createEngine(options: EngineOptions): Engine {
  const maxSamples = options.maxSamples ?? 20_000_000;
  const defaultLookback = options.lookbackMs ?? 300_000;

  async function prepare(expr: Expr, startMs: number, endMs: number, stepMs: number, q: QueryOptions | undefined): Promise<Evaluator> {
    const lookbackMs = q?.lookbackMs ?? defaultLookback;
    const deadline = Date.now() + (q?.timeoutMs ?? options.timeoutMs ?? 120_000);
    const selections: Selection[] = [];
    collectSelections(expr, startMs, endMs, { start: startMs, end: endMs, lookback: lookbackMs, step: stepMs }, selections);
    const budget: SampleBudget = { remaining: maxSamples };
    const data = new Map<VectorSelector, StoredSeries[]>();
    await Promise.all(selections.map(async ({ selector, request }) => {
      const series = await options.source.select(request, budget);
      data.set(selector, [...(data.get(selector) ?? []), ...series]);
    }));
    if (Date.now() > deadline) throw new PromqlError('timeout', 'query timed out while loading samples');
    return new Evaluator({
      startMs, endMs, lookbackMs, data, deadline,
      defaultStepMs: options.defaultStepMs ?? 60_000,
      maxPoints: Math.max(0, budget.remaining),
    });
  }

  return {
    async instantQuery(query, timeMs, q) {
      const expr = parsePromql(query);
      const ev = await prepare(expr, timeMs, timeMs, 0, q);
      const v = ev.evalAt(expr, timeMs);
      switch (v.type) {
        case 'scalar': return { resultType: 'scalar', t: timeMs, v: v.v };
        case 'string': return { resultType: 'string', t: timeMs, s: v.s };
        case 'vector': return { resultType: 'vector', series: v.samples.map((s) => ({ labels: s.labels, t: [timeMs], v: [s.v] })) };
        case 'matrix':
          return {
            resultType: 'matrix',
            series: v.series.map((s) => ({ labels: s.labels, t: Array.from(s.t), v: Array.from(s.v) })).sort((a, b) => compareLabels(a.labels, b.labels)),
          };
      }
    },

    async rangeQuery(query, startMs, endMs, stepMs, q) {
      const expr = parsePromql(query);
      const type = typeOf(expr);
      if (type !== 'scalar' && type !== 'vector') {
        throw badData(`invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`);
      }
      if (stepMs <= 0) throw badData('zero or negative query resolution step widths are not accepted. Try a positive integer');
      const ev = await prepare(expr, startMs, endMs, stepMs, q);
      const bySeries = evaluateBySeries(expr, ev, startMs, endMs, stepMs);
      if (bySeries !== undefined) return { resultType: 'matrix', series: bySeries };
      const out = new Map<string, ResultSeries>();
      for (let ts = startMs; ts <= endMs; ts += stepMs) {
        const v = ev.evalAt(expr, ts);
        const samples = v.type === 'scalar' ? [{ labels: {}, v: v.v }] : v.type === 'vector' ? v.samples : [];
        ev.charge(samples.length);
        for (const s of samples) {
          const k = labelsKey(s.labels);
          let series = out.get(k);
          if (series === undefined) {
            series = { labels: s.labels, t: [], v: [] };
            out.set(k, series);
          }
          series.t.push(ts);
          series.v.push(s.v);
        }
      }
      return { resultType: 'matrix', series: [...out.values()].sort((a, b) => compareLabels(a.labels, b.labels)) };
    },
  };
}
