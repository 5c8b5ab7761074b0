import type { MetricType } from './exposition.ts';

// Sample-name suffixes per type (compat §1.3, OpenMetrics "Metric types"); '' is the bare family name.
const SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  summary: ['_count', '_sum', '', '_created'],
  histogram: ['_count', '_sum', '_bucket', '_created'],
  gaugehistogram: ['_gcount', '_gsum', '_bucket'],
  info: ['_info'],
};
const BARE: readonly string[] = [''];

/** The suffixes a family of this type gives its sample names (`['']`: just the family name). */
export function familySuffixes(type: MetricType): readonly string[] {
  return SUFFIXES[type] ?? BARE;
}

/** Whether `name` is `family` followed by one of the type's suffixes. */
export function hasFamilySuffix(name: string, family: string, type: MetricType): boolean {
  if (!name.startsWith(family)) return false;
  const rest = name.length - family.length;
  for (const suffix of familySuffixes(type)) {
    if (suffix.length === rest && name.endsWith(suffix)) return true;
  }
  return false;
}
