import type { Exposition } from '@sextant/exposition';
import type { Labels, MetricMetadata, SeriesSamples, WriteBatch } from '../write-batch.ts';
import { targetLabels } from './scrape-target.ts';
import type { ScrapeTarget } from './scrape-target.ts';

/** Series a scrape produced last time, by identity; only those without explicit timestamps go stale. */
export type SeenSeries = Map<string, Labels>;

/** What one scrape yields besides its series: the figures of Prometheus's report series. */
export interface ScrapeOutcome {
  up: boolean;
  durationSeconds: number;
  samplesScraped: number;
  seriesAdded: number;
}

/** Identity of a label set: labels sorted by name. */
export function seriesKey(labels: Labels): string {
  let key = '';
  for (const name of Object.keys(labels).sort()) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

// honor_labels: false (Prometheus's default, compat §1.6): target labels win, and a scraped label
// they displace is kept as `exported_<name>` (prefixed again while that name is taken), shortest
// names first, as `scrape.go` `resolveConflictingExposedLabels` does.
function applyTargetLabels(scraped: Labels, target: Labels): Labels {
  const out: Labels = { ...scraped };
  const conflicts: [string, string][] = [];
  for (const [name, value] of Object.entries(target)) {
    const displaced = out[name];
    if (displaced !== undefined) conflicts.push([name, displaced]);
    out[name] = value;
  }
  conflicts.sort((a, b) => a[0].length - b[0].length);
  for (const [name, value] of conflicts) {
    let exported = `exported_${name}`;
    while (out[exported] !== undefined) exported = `exported_${exported}`;
    out[exported] = value;
  }
  return out;
}

const STALE = { value: Number.NaN, stale: true } as const;

/**
 * Turns one scrape (or a failed one: `exposition` undefined) into a write batch: target labels,
 * the scrape time as the default timestamp, the report series `up`, `scrape_duration_seconds`,
 * `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`, `scrape_series_added`, and a
 * stale marker for every series of the last scrape that is gone (compat §1.6, §2.6). Repeats of a
 * series within one scrape keep the first value. `seen` is updated in place.
 */
export function scrapeBatch(options: {
  target: ScrapeTarget;
  exposition: Exposition | undefined;
  timestampMs: number;
  durationSeconds: number;
  seen: SeenSeries;
}): { batch: WriteBatch; outcome: ScrapeOutcome } {
  const { exposition, timestampMs, seen } = options;
  const base = targetLabels(options.target);
  const series: SeriesSamples[] = [];
  const current: SeenSeries = new Map();
  const inScrape = new Set<string>();
  let seriesAdded = 0;
  for (const sample of exposition?.samples ?? []) {
    const applied = applyTargetLabels(sample.labels, base);
    const key = seriesKey(applied);
    if (inScrape.has(key)) continue;
    inScrape.add(key);
    // A series of the last scrape keeps its labels object: the writer's series cache finds it by identity.
    const before = seen.get(key);
    if (before === undefined) seriesAdded++;
    const labels = before ?? applied;
    if (sample.timestampMs === undefined) current.set(key, labels);
    series.push({ labels, samples: [{ timestampMs: sample.timestampMs ?? timestampMs, value: sample.value }] });
  }
  for (const [key, labels] of seen) {
    if (!current.has(key)) series.push({ labels, samples: [{ timestampMs, ...STALE }] });
  }
  seen.clear();
  for (const [key, labels] of current) seen.set(key, labels);

  const outcome: ScrapeOutcome = {
    up: exposition !== undefined,
    durationSeconds: options.durationSeconds,
    samplesScraped: exposition?.samples.length ?? 0,
    seriesAdded,
  };
  const report: [string, number][] = [
    ['up', outcome.up ? 1 : 0],
    ['scrape_duration_seconds', outcome.durationSeconds],
    ['scrape_samples_scraped', outcome.samplesScraped],
    ['scrape_samples_post_metric_relabeling', outcome.samplesScraped],
    ['scrape_series_added', outcome.seriesAdded],
  ];
  for (const [name, value] of report) series.push({ labels: { __name__: name, ...base }, samples: [{ timestampMs, value }] });

  const metadata: MetricMetadata[] = (exposition?.families ?? []).map((f) => ({ family: f.name, type: f.type, help: f.help, unit: f.unit }));
  return { batch: metadata.length > 0 ? { series, metadata } : { series }, outcome };
}

/** Stale markers for the last scrape's series and the report series: the target went away. */
export function endOfRunStaleness(target: ScrapeTarget, seen: SeenSeries, timestampMs: number): WriteBatch {
  const base = targetLabels(target);
  const series: SeriesSamples[] = [...seen.values()].map((labels) => ({ labels, samples: [{ timestampMs, ...STALE }] }));
  for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
    series.push({ labels: { __name__: name, ...base }, samples: [{ timestampMs, ...STALE }] });
  }
  seen.clear();
  return { series };
}
