import type { Labels } from './ast.ts';

const keys = new WeakMap<Labels, string>();

/** A string identifying a label set (order-independent); cached per object. */
export function labelsKey(labels: Labels): string {
  let k = keys.get(labels);
  if (k === undefined) {
    k = Object.keys(labels).sort().map((n) => `${n}\xff${labels[n]}`).join('\xfe');
    keys.set(labels, k);
  }
  return k;
}

const nameless = new WeakMap<Labels, Labels>();

/**
 * A copy without `__name__` (functions and arithmetic drop the metric name), one per label set:
 * a series keeps the same object (and cached key) across the steps of a range query. Label sets
 * are never modified in place.
 */
export function dropName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  let out = nameless.get(labels);
  if (out === undefined) {
    const { __name__: _name, ...rest } = labels;
    out = rest;
    nameless.set(labels, out);
  }
  return out;
}

/** The key of the labels named in `names` (on/by) or of all but them and `__name__` (ignoring/without). */
export function signature(labels: Labels, names: readonly string[], on: boolean): string {
  const parts: string[] = [];
  if (on) {
    for (const n of [...names].sort()) parts.push(`${n}\xff${labels[n] ?? ''}`);
  } else {
    for (const n of Object.keys(labels).sort()) {
      if (n !== '__name__' && !names.includes(n)) parts.push(`${n}\xff${labels[n]}`);
    }
  }
  return parts.join('\xfe');
}

const sortedNames = new WeakMap<Labels, string[]>();

/** The label names of `labels`, sorted; cached per object (a sort of n series compares each about log n times). */
function namesOf(labels: Labels): string[] {
  let names = sortedNames.get(labels);
  if (names === undefined) {
    names = Object.keys(labels).sort();
    sortedNames.set(labels, names);
  }
  return names;
}

/** Orders label sets the way Prometheus sorts a matrix: by sorted (name, value) pairs. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = namesOf(a);
  const bn = namesOf(b);
  for (let i = 0; i < Math.min(an.length, bn.length); i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x] as string;
    const yv = b[y] as string;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}
