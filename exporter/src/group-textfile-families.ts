// Reads a node_exporter textfile (`*.prom`, text format 0.0.4) through @sextant/exposition and groups
// its samples into families the way Go's expfmt.TextParser does, which node_exporter's textfile
// collector uses: same family assignment for `_sum`/`_count`/`_bucket`, same rejections.
import { ExpositionParseError, parseGoFloat, parsePrometheusText } from '@sextant/exposition';
import type { ExpositionFamily, ExpositionSample } from '@sextant/exposition';

export type ParsedType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

/** One series. `value` for counter/gauge/untyped; `count`, `sum` and `points` for the others. */
export interface ParsedMetric {
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
  count: number;
  sum: number;
  /** Upper bound (histogram `le`) or quantile → value, in file order. */
  points: Map<number, number>;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: ParsedType;
  metrics: ParsedMetric[];
}

function stripSuffix(name: string, suffixes: readonly string[]): string | undefined {
  for (const s of suffixes) if (name.endsWith(s)) return name.slice(0, -s.length);
  return undefined;
}

function labelsWithout(sample: ExpositionSample, special: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sample.labels)) if (k !== '__name__' && k !== special) labels[k] = v;
  return labels;
}

/**
 * Parses a whole textfile into families with at least one sample, keyed by name; throws
 * `ExpositionParseError` like expfmt would (unknown escapes included).
 */
export function groupTextfileFamilies(text: string): Map<string, ParsedFamily> {
  const exposition = parsePrometheusText(text, { strictEscapes: true });
  const declared = new Map<string, ExpositionFamily>(exposition.families.map((f) => [f.name, f]));
  const families = new Map<string, ParsedFamily>();
  // Histogram and summary series are one metric per label set, across lines.
  const grouped = new Map<string, ParsedMetric>();
  const lookup = (name: string): ParsedFamily | undefined => {
    let fam = families.get(name);
    const meta = declared.get(name);
    if (fam === undefined && meta !== undefined) {
      fam = { name, help: meta.help === '' ? undefined : meta.help, type: meta.type as ParsedType, metrics: [] };
      families.set(name, fam);
    }
    return fam;
  };

  for (const sample of exposition.samples) {
    const { name } = sample;
    // expfmt: the exact name first, then `x_sum`/`x_count` of summary x, then `x_bucket`/… of histogram x.
    let fam = lookup(name);
    let part: 'value' | 'sum' | 'count' | 'point' = 'value';
    if (fam === undefined) {
      const summary = lookup(stripSuffix(name, ['_sum', '_count']) ?? '');
      const histogram = lookup(stripSuffix(name, ['_sum', '_count', '_bucket']) ?? '');
      if (summary?.type === 'summary') fam = summary;
      else if (histogram?.type === 'histogram') fam = histogram;
      if (fam === undefined) {
        fam = { name, help: undefined, type: 'untyped', metrics: [] };
        families.set(name, fam);
      }
      if (fam.name !== name) part = name.endsWith('_sum') ? 'sum' : name.endsWith('_count') ? 'count' : 'point';
    }
    if (fam.type !== 'histogram' && fam.type !== 'summary') {
      fam.metrics.push({ labels: labelsWithout(sample, undefined), value: sample.value, timestampMs: sample.timestampMs, count: 0, sum: 0, points: new Map() });
      continue;
    }
    const special = fam.type === 'histogram' ? 'le' : 'quantile';
    const labels = labelsWithout(sample, special);
    let point: number | undefined;
    const bound = Object.hasOwn(sample.labels, special) ? sample.labels[special]! : undefined;
    if (bound !== undefined) {
      point = parseGoFloat(bound, 0, bound.length);
      if (point === undefined) throw new ExpositionParseError(0, `expected float as value for '${special}' label of "${name}"`);
    }
    if (fam.type === 'summary' && part === 'value') part = 'point';
    const key = `${fam.name}\u0000${Object.keys(labels).sort().map((k) => `${k}\u0001${labels[k]}`).join('\u0002')}`;
    let metric = grouped.get(key);
    if (metric === undefined) {
      metric = { labels, value: 0, count: 0, sum: 0, points: new Map() };
      grouped.set(key, metric);
      fam.metrics.push(metric);
    }
    if (sample.timestampMs !== undefined) metric.timestampMs = sample.timestampMs;
    // Go stores counts as uint64, truncating.
    if (part === 'count') metric.count = Math.trunc(sample.value);
    else if (part === 'sum') metric.sum = sample.value;
    else if (part === 'point' && point !== undefined) metric.points.set(point, fam.type === 'histogram' ? Math.trunc(sample.value) : sample.value);
  }
  for (const [name, fam] of families) if (fam.metrics.length === 0) families.delete(name);
  return families;
}
