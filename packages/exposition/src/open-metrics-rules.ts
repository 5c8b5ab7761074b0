// Semantic rules of OpenMetrics 1.0 (compat §1.3) that the grammar alone does not carry, checked the
// way the reference parser behind the OpenMetrics test suite checks them. Each returns an error
// message, or undefined when the rule holds.
import type { ExpositionSample, Labels, MetricType } from './exposition.ts';
import { parseGoFloat } from './go-float.ts';

/** `+Inf`/`-Inf` are the only spellings of infinity allowed in `le` and `quantile`. */
function isUncanonicalInfinity(text: string, value: number): boolean {
  return (value === Infinity || value === -Infinity) && text !== '+Inf' && text !== '-Inf';
}

/** The float in an `le` or `quantile` label, or undefined when it is missing, NaN or not a number. */
export function boundOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = parseGoFloat(text, 0, text.length);
  if (value === undefined || Number.isNaN(value) || isUncanonicalInfinity(text, value)) return undefined;
  return value;
}

/**
 * Identity of the metric point a sample belongs to inside its family: its labels without `__name__`
 * and without the label that tells the points' parts apart (`le`, `quantile`, the stateset label).
 */
export function groupKey(sample: { name: string; labels: Labels }, family: string, type: MetricType): string {
  if (type === 'info') return '';
  let skip = '';
  if (type === 'summary' && sample.name === family) skip = 'quantile';
  else if (type === 'stateset') skip = family;
  else if ((type === 'histogram' || type === 'gaugehistogram') && sample.name.length === family.length + 7 && sample.name.endsWith('_bucket')) skip = 'le';
  const keys = Object.keys(sample.labels);
  if (keys.length === 1) return '';
  if (keys.length > 2) keys.sort();
  let key = '';
  for (const k of keys) if (k !== '__name__' && k !== skip) key += `${k}\u0000${sample.labels[k]}\u0001`;
  return key;
}

const COUNTER_LIKE = new Set(['_total', '_sum', '_count', '_bucket', '_gcount', '_gsum']);
const INTEGRAL = new Set(['_bucket', '_count', '_gcount']);

/**
 * The part of a sample name after its family's name, e.g. `_bucket`; a text-style counter
 * (`# TYPE x_total counter`, sample `x_total`) counts as `_total`.
 */
export function sampleSuffix(name: string, family: string, type: MetricType): string {
  if (name.length === family.length) return type === 'counter' ? '_total' : '';
  return name.slice(family.length);
}

/** Value and label rules for one sample of `family` whose name ends in `suffix` (OpenMetrics "Metric types"). */
export function checkSample(sample: ExpositionSample, family: string, type: MetricType, suffix: string): string | undefined {
  const { labels, value } = sample;
  if (type === 'stateset' && !Object.hasOwn(labels, family)) return `stateset sample without its "${family}" label`;
  if ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket' && boundOf(labels.le) === undefined) {
    return `bucket with a missing or invalid "le" label`;
  }
  if (INTEGRAL.has(suffix) && !Number.isInteger(value)) return `${suffix} value must be an integer`;
  if (type === 'summary' && suffix === '') {
    const q = boundOf(labels.quantile);
    if (q === undefined || q < 0 || q > 1) return 'quantile label missing or outside [0, 1]';
    if (value < 0) return 'quantile values cannot be negative';
  }
  if (type === 'stateset' && value !== 0 && value !== 1) return 'stateset values must be 0 or 1';
  if (type === 'info' && value !== 1) return 'info values must be 1';
  if (COUNTER_LIKE.has(suffix)) {
    if (Number.isNaN(value)) return `${suffix} values cannot be NaN`;
    if (value < 0 && suffix !== '_gsum') return `${suffix} values cannot be negative`;
  }
  if (sample.exemplar !== undefined) {
    const bucket = (type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket';
    if (!bucket && !(type === 'counter' && suffix === '_total')) return 'exemplars are only allowed on counter _total and histogram _bucket samples';
  }
  return undefined;
}

interface HistogramPoint {
  bound: number | undefined;
  last: number;
  count: number | undefined;
  negativeBuckets: boolean;
  sum: boolean;
  gsum: boolean;
  negativeGsum: boolean;
}

function checkPoint(p: HistogramPoint, family: string): string | undefined {
  if (p.bound !== Infinity) return `histogram "${family}" has no +Inf bucket`;
  if (p.count !== undefined && p.count !== p.last) return `histogram "${family}": count does not match the +Inf bucket`;
  if (p.sum && p.count === undefined) return `histogram "${family}": _count must be present if _sum is`;
  if (p.gsum && p.count === undefined) return `histogram "${family}": _gcount must be present if _gsum is`;
  if (!p.sum && !p.gsum && p.count !== undefined) return `histogram "${family}": _sum must be present if _count is`;
  if (p.negativeBuckets && p.sum) return `histogram "${family}": no _sum allowed with negative buckets`;
  if (!p.negativeBuckets && p.negativeGsum) return `histogram "${family}": negative _gsum needs negative buckets`;
  return undefined;
}

/** Buckets cumulative and ascending, `+Inf` present and equal to `_count`, `_sum` rules (compat §1.3). */
export function checkHistogram(samples: readonly ExpositionSample[], from: number, family: string, type: MetricType): string | undefined {
  let point: HistogramPoint | undefined;
  let group: string | undefined;
  let timestamp: number | undefined;
  for (let i = from; i < samples.length; i++) {
    const s = samples[i]!;
    const key = groupKey(s, family, type);
    if (point === undefined || key !== group || s.timestampMs !== timestamp) {
      const problem = point === undefined ? undefined : checkPoint(point, family);
      if (problem !== undefined) return problem;
      point = { bound: undefined, last: 0, count: undefined, negativeBuckets: false, sum: false, gsum: false, negativeGsum: false };
    }
    group = key;
    timestamp = s.timestampMs;
    const suffix = s.name.slice(family.length);
    if (suffix === '_bucket') {
      const bound = boundOf(s.labels.le)!;
      if (bound < 0) point.negativeBuckets = true;
      if (point.bound !== undefined && bound <= point.bound) return `histogram "${family}": buckets out of order`;
      if (s.value < point.last) return `histogram "${family}": bucket values must be cumulative`;
      point.bound = bound;
      point.last = s.value;
    } else if (suffix === '_count' || suffix === '_gcount') point.count = s.value;
    else if (suffix === '_sum') point.sum = true;
    else if (suffix === '_gsum') {
      point.gsum = true;
      if (s.value < 0) point.negativeGsum = true;
    }
  }
  return point === undefined ? undefined : checkPoint(point, family);
}
