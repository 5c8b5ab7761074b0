import type { Aggregate, Labels } from './ast.ts';
import { formatFloatFixed } from './format-float.ts';
import { labelsKey } from './labels.ts';
import { badData, execution } from './promql-error.ts';
import { kahanMean, kahanSum, quantile, variance } from './range-functions.ts';
import type { Sample } from './value.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Group label sets per grouping clause and input label set, so each step of a range query reuses
// the objects (and their cached keys) of the step before.
const grouped = new WeakMap<readonly string[], { by: WeakMap<Labels, Labels>; without: WeakMap<Labels, Labels> }>();

/** The labels a series is grouped by (`by`) or keeps (`without`); one object per input label set and grouping. */
export function groupLabels(labels: Labels, grouping: readonly string[], without: boolean): Labels {
  let cache = grouped.get(grouping);
  if (cache === undefined) grouped.set(grouping, (cache = { by: new WeakMap(), without: new WeakMap() }));
  const byLabels = without ? cache.without : cache.by;
  let out = byLabels.get(labels);
  if (out === undefined) {
    out = computeGroupLabels(labels, grouping, without);
    byLabels.set(labels, out);
  }
  return out;
}

function computeGroupLabels(labels: Labels, grouping: readonly string[], without: boolean): Labels {
  const out: Labels = {};
  if (without) {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !grouping.includes(k)) out[k] = v;
  } else {
    for (const k of grouping) {
      const v = labels[k];
      if (v !== undefined && v !== '') out[k] = v;
    }
  }
  return out;
}

interface Group {
  labels: Labels;
  samples: Sample[];
}

function groupBy(samples: Sample[], grouping: readonly string[], without: boolean): Group[] {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = groupLabels(s.labels, grouping, without);
    const k = labelsKey(labels);
    let g = groups.get(k);
    if (g === undefined) {
      g = { labels, samples: [] };
      groups.set(k, g);
    }
    g.samples.push(s);
  }
  return [...groups.values()];
}

function extreme(values: number[], max: boolean): number {
  let r = values[0] as number;
  for (const x of values) if ((max ? x > r : x < r) || Number.isNaN(r)) r = x;
  return r;
}

/**
 * topk/bottomk exactly as Prometheus selects them, ties included: a binary heap of k samples
 * (Go's container/heap) whose top is the one to drop, replaced when a later sample beats it.
 */
function selectK(samples: Sample[], k: number, top: boolean): Sample[] {
  // The heap's "less": the element to evict first (NaN first, then the smallest for topk, largest for bottomk).
  const less = (a: Sample, b: Sample): boolean => Number.isNaN(a.v) || (top ? a.v < b.v : a.v > b.v);
  const h: Sample[] = [];
  const swap = (i: number, j: number): void => {
    const t = h[i] as Sample;
    h[i] = h[j] as Sample;
    h[j] = t;
  };
  const up = (j: number): void => {
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !less(h[j] as Sample, h[i] as Sample)) break;
      swap(i, j);
      j = i;
    }
  };
  const down = (i0: number): boolean => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= h.length) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < h.length && less(h[j2] as Sample, h[j1] as Sample)) j = j2;
      if (!less(h[j] as Sample, h[i] as Sample)) break;
      swap(i, j);
      i = j;
    }
    return i > i0;
  };
  for (const s of samples) {
    if (h.length < k) {
      h.push(s);
      up(h.length - 1);
    } else {
      const head = h[0] as Sample;
      if ((top ? head.v < s.v : head.v > s.v) || (Number.isNaN(head.v) && !Number.isNaN(s.v))) {
        h[0] = s;
        if (k > 1 && !down(0)) up(0);
      }
    }
  }
  // Output best first, NaN last.
  return h.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
}

/** Evaluates one aggregation over an instant vector; `param` is the scalar or string parameter. */
export function aggregate(e: Aggregate, samples: Sample[], param: number | string | undefined): Sample[] {
  const groups = groupBy(samples, e.grouping, e.without);
  switch (e.op) {
    case 'topk':
    case 'bottomk': {
      const kf = param as number;
      if (Number.isNaN(kf)) throw execution('Parameter value is NaN');
      if (samples.length === 0) return [];
      if (Math.abs(kf) >= 2 ** 63) throw execution(`Scalar value ${kf} overflows int64`);
      const k = Math.trunc(kf);
      if (k < 1) return [];
      return groups.flatMap((g) => selectK(g.samples, k, e.op === 'topk'));
    }
    case 'count_values': {
      const label = param as string;
      if (!LABEL_NAME.test(label)) throw badData(`invalid label name "${label}"`);
      const counts = new Map<string, Sample>();
      for (const s of samples) {
        const labels = { ...groupLabels(s.labels, e.grouping, e.without), [label]: formatFloatFixed(s.v) };
        const k = labelsKey(labels);
        const c = counts.get(k);
        if (c === undefined) counts.set(k, { labels, v: 1 });
        else c.v++;
      }
      return [...counts.values()];
    }
    default:
      return groups.map((g) => ({ labels: g.labels, v: reduceValues(e.op, g.samples.map((x) => x.v), param as number) }));
  }
}

/** One group's value under a reducing aggregation (not topk, bottomk or count_values), its values in input order. */
export function reduceValues(op: Aggregate['op'], values: number[], param: number): number {
  switch (op) {
    case 'sum': return kahanSum(values);
    case 'avg': return kahanMean(values);
    case 'count': return values.length;
    case 'group': return 1;
    case 'min': return extreme(values, false);
    case 'max': return extreme(values, true);
    case 'stdvar': return variance(values);
    case 'stddev': return Math.sqrt(variance(values));
    case 'quantile': return quantile(param, values);
    default: throw execution(`unknown aggregation ${op}`);
  }
}
