// Functions over one series' samples in a range window (Prometheus promql/functions.go semantics).

/**
 * The samples of one series inside (rangeStart, rangeEnd]: indices [from, to) of `t` and `v`, oldest
 * first, stale markers removed. Indices rather than subarrays, so a range query does not create two
 * typed-array views per series and step.
 */
export interface Window {
  t: Float64Array;
  v: Float64Array;
  from: number;
  to: number;
  /** Range bounds in ms (after offset), and the evaluation time. */
  startMs: number;
  endMs: number;
  evalMs: number;
  /** Scalar arguments other than the range vector (e.g. predict_linear's horizon). */
  params: number[];
}

export type RangeFunction = (w: Window) => number | undefined;

/** Neumaier-compensated summation step: returns [sum, compensation]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t)) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + ((sum - t) + inc)];
  return [t, c + ((inc - t) + sum)];
}

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = w.to - w.from;
  if (n < 2) return undefined;
  const first = w.v[w.from] as number;
  const last = w.v[w.to - 1] as number;
  const firstT = w.t[w.from] as number;
  const lastT = w.t[w.to - 1] as number;
  let result = last - first;
  if (isCounter) {
    let prev = first;
    for (let i = w.from + 1; i < w.to; i++) {
      const cur = w.v[i] as number;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  const sampled = (lastT - firstT) / 1000;
  const avgBetween = sampled / (n - 1);
  const threshold = avgBetween * 1.1;
  let toStart = (firstT - w.startMs) / 1000;
  let toEnd = (w.endMs - lastT) / 1000;
  if (toStart >= threshold) toStart = avgBetween / 2;
  if (isCounter) {
    // A counter cannot go below zero: do not extrapolate past the point where it would reach it.
    let toZero = toStart;
    if (result > 0 && first >= 0) toZero = sampled * (first / result);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = avgBetween / 2;
  let factor = (sampled + toStart + toEnd) / sampled;
  if (isRate) factor /= (w.endMs - w.startMs) / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  if (w.to - w.from < 2) return undefined;
  const n = w.to;
  const last = w.v[n - 1] as number;
  const prev = w.v[n - 2] as number;
  let result = isRate && last < prev ? last : last - prev;
  if (!isRate) return result;
  const interval = (w.t[n - 1] as number) - (w.t[n - 2] as number);
  if (interval === 0) return undefined;
  result /= interval / 1000;
  return result;
}

/** Least squares fit of the window against time (seconds since `interceptMs`): [slope, intercept]. */
function linearRegression(w: Window, interceptMs: number): [number, number] {
  const n = w.to - w.from;
  const initY = w.v[w.from] as number;
  let constY = true;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  for (let i = w.from; i < w.to; i++) {
    const y = w.v[i] as number;
    if (constY && i > w.from && y !== initY) constY = false;
    const x = ((w.t[i] as number) - interceptMs) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(y, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

/**
 * Neumaier-compensated sum of finite partial sums, or undefined as soon as one is not finite (the
 * callers then take the general path). The same steps as kahanSumInc, without a tuple per sample.
 */
function finiteKahanSum(values: ArrayLike<number>, from: number, to: number): { sum: number; c: number } | undefined {
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const f = values[i] as number;
    const t = sum + f;
    if (!Number.isFinite(t)) return undefined;
    if (Math.abs(sum) >= Math.abs(f)) c += (sum - t) + f;
    else c += (f - t) + sum;
    sum = t;
  }
  return { sum, c };
}

/** Mean with Kahan summation, switching to an incremental mean when the sum overflows. */
export function kahanMean(values: ArrayLike<number>, from = 0, to = values.length): number {
  const fast = finiteKahanSum(values, from, to);
  if (fast !== undefined) return fast.sum / (to - from) + fast.c / (to - from);
  return kahanMeanGeneral(from === 0 && to === values.length ? values : Array.prototype.slice.call(values, from, to) as number[]);
}

function kahanMeanGeneral(values: ArrayLike<number>): number {
  let sum = 0, mean = 0, c = 0, count = 0;
  let incremental = false;
  for (let i = 0; i < values.length; i++) {
    const f = values[i] as number;
    count++;
    if (!incremental) {
      const [ns, nc] = kahanSumInc(f, sum, c);
      if (count === 1 || Number.isFinite(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(f / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / count + c / count;
}

/** Population variance (Welford with compensation), as stdvar_over_time and stdvar compute it. */
export function variance(values: ArrayLike<number>): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = 0; i < values.length; i++) {
    const f = values[i] as number;
    count++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

/** Prometheus's quantile: linear interpolation between the closest ranks; NaNs sort first. */
export function quantile(q: number, input: ArrayLike<number>): number {
  if (input.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const values = Array.from(input).sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (values[lower] as number) * (1 - weight) + (values[upper] as number) * weight;
}

/** Kahan-compensated sum of `v[from..to)`, as sum_over_time and sum compute it. */
export function kahanSum(v: ArrayLike<number>, from = 0, to = v.length): number {
  const fast = finiteKahanSum(v, from, to);
  if (fast !== undefined) return fast.sum + fast.c;
  let sum = 0, c = 0;
  for (let i = from; i < to; i++) [sum, c] = kahanSumInc(v[i] as number, sum, c);
  return Number.isFinite(sum) ? sum + c : sum;
}

function extreme(v: Float64Array, from: number, to: number, max: boolean): number {
  let r = v[from] as number;
  for (let i = from + 1; i < to; i++) {
    const x = v[i] as number;
    if ((max ? x > r : x < r) || Number.isNaN(r)) r = x;
  }
  return r;
}

/** Range-vector functions by name; each sees one series' non-empty window and may return no value. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (w) => extrapolatedRate(w, true, true)],
  ['increase', (w) => extrapolatedRate(w, true, false)],
  ['delta', (w) => extrapolatedRate(w, false, false)],
  ['irate', (w) => instantValue(w, true)],
  ['idelta', (w) => instantValue(w, false)],
  ['deriv', (w) => (w.to - w.from < 2 ? undefined : linearRegression(w, w.t[w.from] as number)[0])],
  ['predict_linear', (w) => {
    if (w.to - w.from < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalMs);
    return slope * (w.params[0] as number) + intercept;
  }],
  ['resets', (w) => {
    let n = 0;
    for (let i = w.from + 1; i < w.to; i++) if ((w.v[i] as number) < (w.v[i - 1] as number)) n++;
    return n;
  }],
  ['changes', (w) => {
    let n = 0;
    for (let i = w.from + 1; i < w.to; i++) {
      const a = w.v[i - 1] as number;
      const b = w.v[i] as number;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  }],
  ['avg_over_time', (w) => kahanMean(w.v, w.from, w.to)],
  ['sum_over_time', (w) => kahanSum(w.v, w.from, w.to)],
  ['count_over_time', (w) => w.to - w.from],
  ['min_over_time', (w) => extreme(w.v, w.from, w.to, false)],
  ['max_over_time', (w) => extreme(w.v, w.from, w.to, true)],
  ['last_over_time', (w) => w.v[w.to - 1]],
  ['present_over_time', () => 1],
  ['stdvar_over_time', (w) => variance(w.v.subarray(w.from, w.to))],
  ['stddev_over_time', (w) => Math.sqrt(variance(w.v.subarray(w.from, w.to)))],
  ['quantile_over_time', (w) => quantile(w.params[0] as number, w.v.subarray(w.from, w.to))],
]);
