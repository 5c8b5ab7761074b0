import type { AtModifier, Call, Expr, Labels, Matcher, Subquery, VectorSelector } from './ast.ts';
import { isSetOperator } from './ast.ts';
import { aggregate } from './aggregate.ts';
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './binary.ts';
import { histogramQuantile } from './histogram-quantile.ts';
import {
  clamp, dateFunction, labelJoin, labelReplace, mathFunction, round, sortByValue,
} from './instant-functions.ts';
import { dropName, labelsKey } from './labels.ts';
import { PromqlError, execution } from './promql-error.ts';
import { RANGE_FUNCTIONS } from './range-functions.ts';
import type { StoredSeries } from './series-source.ts';
import type { RangeSeries, Sample, Value } from './value.ts';

/** What one evaluation needs: the query's bounds, the loaded series per selector, and its limits. */
export interface EvalContext {
  startMs: number;
  endMs: number;
  /** Step of subqueries that give none (Prometheus's default evaluation interval). */
  defaultStepMs: number;
  lookbackMs: number;
  data: Map<VectorSelector, StoredSeries[]>;
  /** Date.now() after which the query fails with `timeout`. */
  deadline: number;
  /** Points a query may hold in subquery results and output before it is refused. */
  maxPoints: number;
}

export interface Points {
  t: Float64Array;
  v: Float64Array;
}

/** One series' window: samples [from, to) of `t`/`v`, inside (startMs, endMs]. */
type RangeWindow = RangeSeries & { from: number; to: number; startMs: number; endMs: number };

/** Functions whose result keeps the metric name. */
export const KEEP_NAME: ReadonlySet<string> = new Set(['last_over_time', 'sort', 'sort_desc', 'label_replace', 'label_join']);

/** Index of the first element of `a` greater than `x` (binary search). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

function absentLabels(e: Expr): Labels {
  const inner = unwrap(e);
  const matchers: Matcher[] = inner.kind === 'vector' ? inner.matchers : inner.kind === 'matrix' ? inner.selector.matchers : [];
  const out: Labels = {};
  const has = new Set<string>();
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !has.has(m.name) && m.value !== '') {
      out[m.name] = m.value;
      has.add(m.name);
    } else {
      delete out[m.name];
      has.add(m.name);
    }
  }
  return out;
}

function assertUnique(samples: Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw execution('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

/** Evaluates a parsed expression at single points in time against preloaded series. */
export class Evaluator {
  private readonly ctx: EvalContext;
  private readonly pointsOf = new WeakMap<StoredSeries, Points>();
  private readonly subqueryCache = new Map<Subquery, Map<number, Sample[]>>();
  private heldPoints = 0;

  constructor(ctx: EvalContext) {
    this.ctx = ctx;
  }

  /** Adds `n` points to what the query holds; refuses the query past the limit. */
  charge(n: number): void {
    this.heldPoints += n;
    if (this.heldPoints > this.ctx.maxPoints) {
      throw execution(`query processing would load too many samples into memory in query execution (limit ${this.ctx.maxPoints})`);
    }
    if (Date.now() > this.ctx.deadline) throw new PromqlError('timeout', 'query timed out in expression evaluation');
  }

  /** Whether `n` more points stay within the query's limit. */
  fits(n: number): boolean {
    return this.heldPoints + n <= this.ctx.maxPoints;
  }

  private atTime(at: AtModifier | undefined, ts: number): number {
    if (at === undefined) return ts;
    return at.kind === 'time' ? at.ms : at.kind === 'start' ? this.ctx.startMs : this.ctx.endMs;
  }

  /** The series a selector loaded, in the source's order. */
  selected(sel: VectorSelector): StoredSeries[] {
    return this.ctx.data.get(sel) ?? [];
  }

  /** A series' samples without its stale markers (computed once per series). */
  points(s: StoredSeries): Points {
    let p = this.pointsOf.get(s);
    if (p === undefined) {
      let n = 0;
      for (let i = 0; i < s.stale.length; i++) if (s.stale[i] === 0) n++;
      if (n === s.t.length) p = { t: s.t, v: s.v };
      else {
        p = { t: new Float64Array(n), v: new Float64Array(n) };
        for (let i = 0, j = 0; i < s.t.length; i++) {
          if (s.stale[i] !== 0) continue;
          p.t[j] = s.t[i] as number;
          p.v[j++] = s.v[i] as number;
        }
      }
      this.pointsOf.set(s, p);
    }
    return p;
  }

  evalAt(e: Expr, ts: number): Value {
    switch (e.kind) {
      case 'number': return { type: 'scalar', v: e.value };
      case 'string': return { type: 'string', s: e.value };
      case 'paren': return this.evalAt(e.expr, ts);
      case 'vector': return { type: 'vector', samples: this.selectInstant(e, ts) };
      case 'matrix': return { type: 'matrix', series: this.windows(e.selector, e.rangeMs, ts).map((w) => ({ labels: w.labels, t: w.t.subarray(w.from, w.to), v: w.v.subarray(w.from, w.to) })) };
      case 'subquery': return { type: 'matrix', series: this.subquery(e, ts) };
      case 'unary': {
        const v = this.evalAt(e.expr, ts);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw execution('unary minus needs a scalar or instant vector');
        const samples = v.samples.map((s) => ({ labels: dropName(s.labels), v: -s.v }));
        assertUnique(samples);
        return { type: 'vector', samples };
      }
      case 'binary': return this.binary(e, ts);
      case 'aggregate': {
        const inner = this.vectorAt(e.expr, ts);
        let param: number | string | undefined;
        if (e.param !== undefined) {
          const p = this.evalAt(e.param, ts);
          param = p.type === 'string' ? p.s : p.type === 'scalar' ? p.v : undefined;
        }
        return { type: 'vector', samples: aggregate(e, inner, param) };
      }
      case 'call': {
        const out = this.call(e, ts);
        if (out.type === 'vector') assertUnique(out.samples);
        return out;
      }
    }
  }

  /** Evaluates an expression that must give an instant vector. */
  vectorAt(e: Expr, ts: number): Sample[] {
    const v = this.evalAt(e, ts);
    if (v.type !== 'vector') throw execution(`expected instant vector, got ${v.type}`);
    return v.samples;
  }

  private scalarAt(e: Expr, ts: number): number {
    const v = this.evalAt(e, ts);
    if (v.type !== 'scalar') throw execution(`expected scalar, got ${v.type}`);
    return v.v;
  }

  private selectInstant(e: VectorSelector, ts: number): Sample[] {
    const ref = this.atTime(e.at, ts) - e.offsetMs;
    const out: Sample[] = [];
    for (const s of this.ctx.data.get(e) ?? []) {
      const i = upperBound(s.t, ref) - 1;
      if (i < 0) continue;
      const t = s.t[i] as number;
      if (t <= ref - this.ctx.lookbackMs || s.stale[i] !== 0) continue;
      out.push({ labels: s.labels, v: s.v[i] as number, t });
    }
    return out;
  }

  /** Each series' samples in (ts − range, ts], as indices into its (stale-free) arrays. */
  private windows(sel: VectorSelector, rangeMs: number, ts: number): RangeWindow[] {
    const endMs = this.atTime(sel.at, ts) - sel.offsetMs;
    const startMs = endMs - rangeMs;
    const out: RangeWindow[] = [];
    for (const s of this.ctx.data.get(sel) ?? []) {
      const p = this.points(s);
      const lo = upperBound(p.t, startMs);
      const hi = upperBound(p.t, endMs);
      if (hi > lo) out.push({ labels: s.labels, t: p.t, v: p.v, from: lo, to: hi, startMs, endMs });
    }
    return out;
  }

  private subquery(e: Subquery, ts: number): RangeSeries[] {
    const step = e.stepMs > 0 ? e.stepMs : this.ctx.defaultStepMs;
    const endMs = this.atTime(e.at, ts) - e.offsetMs;
    const from = endMs - e.rangeMs;
    let first = Math.floor(from / step) * step;
    if (first <= from) first += step;
    let cache = this.subqueryCache.get(e);
    if (cache === undefined) {
      cache = new Map();
      this.subqueryCache.set(e, cache);
    }
    const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    for (let t = first, n = 0; t <= endMs; t += step, n++) {
      if (n % 256 === 0) this.charge(0);
      let samples = cache.get(t);
      if (samples === undefined) {
        samples = this.vectorAt(e.expr, t);
        this.charge(samples.length);
        cache.set(t, samples);
      }
      for (const s of samples) {
        const k = labelsKey(s.labels);
        let out = series.get(k);
        if (out === undefined) {
          out = { labels: s.labels, t: [], v: [] };
          series.set(k, out);
        }
        out.t.push(t);
        out.v.push(s.v);
      }
    }
    return [...series.values()].map((s) => ({ labels: s.labels, t: Float64Array.from(s.t), v: Float64Array.from(s.v) }));
  }

  private binary(e: Expr & { kind: 'binary' }, ts: number): Value {
    const l = this.evalAt(e.lhs, ts);
    const r = this.evalAt(e.rhs, ts);
    if (l.type === 'scalar' && r.type === 'scalar') return { type: 'scalar', v: scalarBinop(e.op, l.v, r.v) };
    if (l.type === 'vector' && r.type === 'scalar') return { type: 'vector', samples: vectorScalarBinop(e.op, l.samples, r.v, false, e.returnBool) };
    if (l.type === 'scalar' && r.type === 'vector') return { type: 'vector', samples: vectorScalarBinop(e.op, r.samples, l.v, true, e.returnBool) };
    if (l.type !== 'vector' || r.type !== 'vector' || e.matching === undefined) throw execution('invalid operand types for binary operation');
    if (isSetOperator(e.op)) return { type: 'vector', samples: setBinop(e.op, l.samples, r.samples, e.matching) };
    const samples = vectorBinop(e.op, l.samples, r.samples, e.matching, e.returnBool);
    assertUnique(samples);
    return { type: 'vector', samples };
  }

  private rangeArg(e: Expr, ts: number): RangeWindow[] {
    const inner = unwrap(e);
    if (inner.kind === 'matrix') return this.windows(inner.selector, inner.rangeMs, ts);
    if (inner.kind === 'subquery') {
      const endMs = this.atTime(inner.at, ts) - inner.offsetMs;
      return this.subquery(inner, ts).map((s) => ({ ...s, from: 0, to: s.t.length, startMs: endMs - inner.rangeMs, endMs }));
    }
    throw execution('expected a range vector');
  }

  private call(e: Call, ts: number): Value {
    const { name, args } = e;
    const rangeFn = RANGE_FUNCTIONS.get(name);
    if (rangeFn !== undefined || name === 'absent_over_time') {
      const matrixIndex = args.findIndex((a) => { const u = unwrap(a); return u.kind === 'matrix' || u.kind === 'subquery'; });
      const params = args.filter((_, i) => i !== matrixIndex).map((a) => this.scalarAt(a, ts));
      const windows = this.rangeArg(args[matrixIndex] as Expr, ts);
      if (name === 'absent_over_time') {
        return { type: 'vector', samples: windows.length > 0 ? [] : [{ labels: absentLabels(args[0] as Expr), v: 1 }] };
      }
      const out: Sample[] = [];
      for (const w of windows) {
        const v = (rangeFn as NonNullable<typeof rangeFn>)({ t: w.t, v: w.v, from: w.from, to: w.to, startMs: w.startMs, endMs: w.endMs, evalMs: ts, params });
        if (v !== undefined) out.push({ labels: KEEP_NAME.has(name) ? w.labels : dropName(w.labels), v });
      }
      return { type: 'vector', samples: out };
    }
    switch (name) {
      case 'time': return { type: 'scalar', v: ts / 1000 };
      case 'pi': return { type: 'scalar', v: Math.PI };
      case 'vector': return { type: 'vector', samples: [{ labels: {}, v: this.scalarAt(args[0] as Expr, ts) }] };
      case 'scalar': {
        const v = this.vectorAt(args[0] as Expr, ts);
        return { type: 'scalar', v: v.length === 1 ? (v[0] as Sample).v : NaN };
      }
      case 'absent': {
        const v = this.vectorAt(args[0] as Expr, ts);
        return { type: 'vector', samples: v.length > 0 ? [] : [{ labels: absentLabels(args[0] as Expr), v: 1 }] };
      }
      case 'timestamp': {
        const v = this.vectorAt(args[0] as Expr, ts);
        return { type: 'vector', samples: v.map((s) => ({ labels: dropName(s.labels), v: (s.t ?? ts) / 1000 })) };
      }
      case 'histogram_quantile': {
        const q = this.scalarAt(args[0] as Expr, ts);
        return { type: 'vector', samples: histogramQuantile(q, this.vectorAt(args[1] as Expr, ts)) };
      }
      default: break;
    }
    const vec = args.length > 0 ? this.vectorAt(args[0] as Expr, ts) : [{ labels: {}, v: ts / 1000 }];
    const str = (i: number): string => {
      const v = this.evalAt(args[i] as Expr, ts);
      return v.type === 'string' ? v.s : '';
    };
    const samples =
      mathFunction(name, vec) ??
      dateFunction(name, vec) ??
      this.otherFunction(name, e, vec, ts, str);
    return { type: 'vector', samples };
  }

  private otherFunction(name: string, e: Call, vec: Sample[], ts: number, str: (i: number) => string): Sample[] {
    const { args } = e;
    switch (name) {
      case 'clamp': return clamp(vec, this.scalarAt(args[1] as Expr, ts), this.scalarAt(args[2] as Expr, ts));
      case 'clamp_min': return clamp(vec, this.scalarAt(args[1] as Expr, ts), Infinity);
      case 'clamp_max': return clamp(vec, -Infinity, this.scalarAt(args[1] as Expr, ts));
      case 'round': return round(vec, args[1] === undefined ? 1 : this.scalarAt(args[1], ts));
      case 'sort': return sortByValue(vec, false);
      case 'sort_desc': return sortByValue(vec, true);
      case 'label_replace': return labelReplace(vec, str(1), str(2), str(3), str(4));
      case 'label_join': return labelJoin(vec, str(1), str(2), args.slice(3).map((_, i) => str(i + 3)));
      default: throw execution(`function "${name}" is not supported`);
    }
  }
}
