import type { BinaryOp, Labels, VectorMatching } from './ast.ts';
import { isComparison } from './ast.ts';
import { dropName, labelsKey, signature } from './labels.ts';
import { execution } from './promql-error.ts';
import type { Sample } from './value.ts';

const ARITHMETIC = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);

function goPow(x: number, y: number): number {
  // Go's math.Pow differs from Math.pow on these: Pow(1, y) = 1 and Pow(-1, ±Inf) = 1.
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Applies `op` to two floats: the value and whether a comparison keeps the element. */
export function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true];
    case '-': return [l - r, true];
    case '*': return [l * r, true];
    case '/': return [l / r, true];
    case '%': return [l % r, true];
    case '^': return [goPow(l, r), true];
    case 'atan2': return [Math.atan2(l, r), true];
    case '==': return [l, l === r];
    case '!=': return [l, l !== r];
    case '>': return [l, l > r];
    case '<': return [l, l < r];
    case '>=': return [l, l >= r];
    case '<=': return [l, l <= r];
    default: throw execution(`operator "${op}" not allowed for scalar operations`);
  }
}

/** scalar op scalar; comparisons (which need `bool`) give 1 or 0. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  const [v, keep] = elemBinop(op, l, r);
  return isComparison(op) ? (keep ? 1 : 0) : v;
}

/** vector op scalar (or scalar op vector when `swap`). Comparisons keep the vector's value. */
export function vectorScalarBinop(op: BinaryOp, vec: Sample[], scalar: number, swap: boolean, returnBool: boolean): Sample[] {
  const out: Sample[] = [];
  const drop = ARITHMETIC.has(op) || returnBool;
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let [v, keep] = elemBinop(op, l, r);
    if (isComparison(op) && swap) v = r;
    if (returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ labels: drop ? dropName(s.labels) : s.labels, v });
  }
  return out;
}

/** and / or / unless between two vectors. */
export function setBinop(op: BinaryOp, lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  const sig = (s: Sample): string => signature(s.labels, m.labels, m.on);
  if (op === 'and') {
    if (lhs.length === 0 || rhs.length === 0) return [];
    const right = new Set(rhs.map(sig));
    return lhs.filter((s) => right.has(sig(s)));
  }
  if (op === 'unless') {
    const right = new Set(rhs.map(sig));
    return lhs.filter((s) => !right.has(sig(s)));
  }
  const left = new Set(lhs.map(sig));
  return [...lhs, ...rhs.filter((s) => !left.has(sig(s)))];
}

function resultLabels(l: Labels, r: Labels, op: BinaryOp, m: VectorMatching, returnBool: boolean): Labels {
  let out: Labels = ARITHMETIC.has(op) || returnBool ? dropName(l) : { ...l };
  if (m.card === 'one-to-one') {
    if (m.on) out = Object.fromEntries(Object.entries(out).filter(([k]) => m.labels.includes(k)));
    else out = Object.fromEntries(Object.entries(out).filter(([k]) => !m.labels.includes(k)));
  }
  if (m.include.length > 0) {
    out = { ...out };
    for (const n of m.include) {
      const v = r[n];
      if (v !== undefined && v !== '') out[n] = v;
      else delete out[n];
    }
  }
  return out;
}

function formatLabels(l: Labels): string {
  return `{${Object.keys(l).sort().map((k) => `${k}="${l[k]}"`).join(', ')}}`;
}

/** Arithmetic or comparison between two vectors with one-to-one, many-to-one or one-to-many matching. */
export function vectorBinop(op: BinaryOp, lhsIn: Sample[], rhsIn: Sample[], m: VectorMatching, returnBool: boolean): Sample[] {
  const [lhs, rhs] = m.card === 'one-to-many' ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const sig = (s: Sample): string => signature(s.labels, m.labels, m.on);
  const right = new Map<string, Sample>();
  for (const rs of rhs) {
    const k = sig(rs);
    const dup = right.get(k);
    if (dup !== undefined) {
      const side = m.card === 'one-to-many' ? 'left' : 'right';
      const group: Labels = {};
      for (const [n, v] of Object.entries(rs.labels)) if (m.on ? m.labels.includes(n) : n !== '__name__' && !m.labels.includes(n)) group[n] = v;
      throw execution(`found duplicate series for the match group ${formatLabels(group)} on the ${side} hand-side of the operation: [${formatLabels(dup.labels)}, ${formatLabels(rs.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`);
    }
    right.set(k, rs);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const k = sig(ls);
    const rs = right.get(k);
    if (rs === undefined) continue;
    if (m.card === 'one-to-one') {
      if (matched.has(k)) throw execution('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(k, null);
    }
    const [fl, fr] = m.card === 'one-to-many' ? [rs.v, ls.v] : [ls.v, rs.v];
    let [v, keep] = elemBinop(op, fl, fr);
    if (returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = resultLabels(ls.labels, rs.labels, op, m, returnBool);
    const seen = matched.get(k);
    if (m.card !== 'one-to-one') {
      const lk = labelsKey(labels);
      const set = seen ?? new Set<string>();
      if (set.has(lk)) throw execution('multiple matches for labels: grouping labels must ensure unique results');
      set.add(lk);
      matched.set(k, set);
    }
    out.push({ labels, v });
  }
  return out;
}
