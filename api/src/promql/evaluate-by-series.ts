// Range queries of the commonest shapes evaluated series by series rather than step by step, as
// Prometheus's rangeEval does: a range function over a selector, optionally under an aggregation
// without parameter. Each series' windows are found by two indices that only move forward and its
// values land in typed arrays, so no vector, window or label key is built per step. The values, and
// the order in which an aggregation meets them, are those of the step-by-step evaluation.
import type { AggregateOp, Call, Expr, Labels } from './ast.ts';
import { groupLabels, reduceValues } from './aggregate.ts';
import type { Evaluator } from './evaluator.ts';
import { KEEP_NAME } from './evaluator.ts';
import type { ResultSeries } from './engine.ts';
import { compareLabels, dropName, labelsKey } from './labels.ts';
import { RANGE_FUNCTIONS } from './range-functions.ts';
import type { Window } from './range-functions.ts';

/** One series' values at every step: `v[k]` is step k's value where `present[k]` is 1. */
interface StepSeries {
  labels: Labels;
  v: Float64Array;
  present: Uint8Array;
}

const REDUCIBLE = new Set<AggregateOp>(['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar']);

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

/** A range function's call whose range argument is a selector without `@` and whose other arguments are numbers. */
function rangeCall(e: Expr): Call | undefined {
  if (e.kind !== 'call' || !RANGE_FUNCTIONS.has(e.name)) return undefined;
  let selectors = 0;
  for (const a of e.args) {
    const u = unwrap(a);
    if (u.kind === 'matrix' && u.selector.at === undefined) selectors++;
    else if (u.kind !== 'number') return undefined;
  }
  return selectors === 1 ? e : undefined;
}

function shapeFits(e: Expr): boolean {
  const u = unwrap(e);
  if (u.kind === 'aggregate') return u.param === undefined && REDUCIBLE.has(u.op) && rangeCall(unwrap(u.expr)) !== undefined;
  return rangeCall(u) !== undefined;
}

/** The step times exactly as the step-by-step loop reaches them. */
function stepTimes(startMs: number, endMs: number, stepMs: number): number[] {
  const times: number[] = [];
  for (let ts = startMs; ts <= endMs; ts += stepMs) times.push(ts);
  return times;
}

/**
 * The call's value per series and step, or undefined when two series would share their labels
 * (the step-by-step evaluation then reports it at the step where both have a value).
 */
function evaluateCall(e: Call, ev: Evaluator, times: number[]): StepSeries[] | undefined {
  const fn = RANGE_FUNCTIONS.get(e.name)!;
  const params: number[] = [];
  let matrix: Expr & { kind: 'matrix' } | undefined;
  for (const a of e.args) {
    const u = unwrap(a);
    if (u.kind === 'matrix') matrix = u;
    else if (u.kind === 'number') params.push(u.value);
  }
  const { selector, rangeMs } = matrix!;
  const out: StepSeries[] = [];
  const keys = new Set<string>();
  for (const s of ev.selected(selector)) {
    const labels = KEEP_NAME.has(e.name) ? s.labels : dropName(s.labels);
    const key = labelsKey(labels);
    if (keys.has(key)) return undefined;
    keys.add(key);
    ev.charge(0);
    const { t, v } = ev.points(s);
    const values = new Float64Array(times.length);
    const present = new Uint8Array(times.length);
    const w: Window = { t, v, from: 0, to: 0, startMs: 0, endMs: 0, evalMs: 0, params };
    // Samples in (endMs − range, endMs]: [lo, hi), both only moving forward as the steps do.
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < times.length; k++) {
      const ts = times[k]!;
      const endMs = ts - selector.offsetMs;
      const startMs = endMs - rangeMs;
      while (lo < t.length && t[lo]! <= startMs) lo++;
      if (hi < lo) hi = lo;
      while (hi < t.length && t[hi]! <= endMs) hi++;
      if (hi === lo) continue;
      w.from = lo;
      w.to = hi;
      w.startMs = startMs;
      w.endMs = endMs;
      w.evalMs = ts;
      const x = fn(w);
      if (x === undefined) continue;
      values[k] = x;
      present[k] = 1;
    }
    out.push({ labels, v: values, present });
  }
  return out;
}

/** The aggregation per group and step, each group meeting its members' values in the input's order. */
function evaluateAggregate(op: AggregateOp, grouping: readonly string[], without: boolean, input: StepSeries[], steps: number): StepSeries[] {
  const groups = new Map<string, StepSeries[]>();
  for (const s of input) {
    const key = labelsKey(groupLabels(s.labels, grouping, without));
    let members = groups.get(key);
    if (members === undefined) groups.set(key, (members = []));
    members.push(s);
  }
  const out: StepSeries[] = [];
  const values: number[] = [];
  for (const members of groups.values()) {
    const result = new Float64Array(steps);
    const present = new Uint8Array(steps);
    // A group's labels come from its first member with a value, at the first step it has one.
    let labels: Labels | undefined;
    for (let k = 0; k < steps; k++) {
      values.length = 0;
      for (const m of members) {
        if (m.present[k] === 0) continue;
        labels ??= groupLabels(m.labels, grouping, without);
        values.push(m.v[k]!);
      }
      if (values.length === 0) continue;
      result[k] = reduceValues(op, values, NaN);
      present[k] = 1;
    }
    if (labels !== undefined) out.push({ labels, v: result, present });
  }
  return out;
}

/**
 * Evaluates a range query series by series when its shape allows (see the file's head); undefined
 * when it does not, and the caller evaluates step by step. Charges the result's points to `ev`.
 */
export function evaluateBySeries(expr: Expr, ev: Evaluator, startMs: number, endMs: number, stepMs: number): ResultSeries[] | undefined {
  if (!shapeFits(expr)) return undefined;
  const times = stepTimes(startMs, endMs, stepMs);
  const top = unwrap(expr);
  const call = rangeCall(unwrap(top.kind === 'aggregate' ? top.expr : top))!;
  // A value per series and step is held at once: past the query's limit, the step-by-step
  // evaluation refuses the query as its result grows.
  const selected = call.args.map(unwrap).find((a) => a.kind === 'matrix')!;
  if (!ev.fits(ev.selected(selected.selector).length * times.length)) return undefined;
  const values = evaluateCall(call, ev, times);
  if (values === undefined) return undefined;
  const series = top.kind === 'aggregate' ? evaluateAggregate(top.op, top.grouping, top.without, values, times.length) : values;
  const out: ResultSeries[] = [];
  for (const s of series) {
    const t: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < times.length; k++) {
      if (s.present[k] === 0) continue;
      t.push(times[k]!);
      v.push(s.v[k]!);
    }
    if (t.length === 0) continue;
    ev.charge(t.length);
    out.push({ labels: s.labels, t, v });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}
