import { parseExposition } from '@sextant/exposition';
import { describe, expect, it } from 'vitest';
import { endOfRunStaleness, scrapeBatch, seriesKey } from './scrape-batch.ts';
import type { SeenSeries } from './scrape-batch.ts';
import type { SeriesSamples } from '../write-batch.ts';
import type { ScrapeTarget } from './scrape-target.ts';

const target: ScrapeTarget = { address: '127.0.0.1:9464', job: 'node', labels: { dc: 'eu' } };
const parse = (text: string) => parseExposition(text, 'text', { dropEmptyLabelValues: true });
const byName = (series: SeriesSamples[], name: string) => series.filter((s) => s.labels.__name__ === name);

describe('scrapeBatch', () => {
  it('adds target labels, keeps colliding scraped ones as exported_*, and drops empty labels', () => {
    const seen: SeenSeries = new Map();
    const { batch } = scrapeBatch({
      target,
      exposition: parse('# TYPE m gauge\nm{job="app",instance="x",exported_job="y",empty=""} 1\n'),
      timestampMs: 1000,
      durationSeconds: 0.01,
      seen,
    });
    expect(byName(batch.series, 'm')[0]!.labels).toEqual({
      __name__: 'm',
      job: 'node',
      instance: '127.0.0.1:9464',
      dc: 'eu',
      // Prometheus keeps the scraped exported_job and moves job one prefix further.
      exported_job: 'y',
      exported_exported_job: 'app',
      exported_instance: 'x',
    });
    expect(batch.metadata).toEqual([{ family: 'm', type: 'gauge', help: '', unit: '' }]);
  });

  it('hands the same labels object for a series scrape after scrape (the writer caches series ids by it)', () => {
    const seen: SeenSeries = new Map();
    const first = scrapeBatch({ target, exposition: parse('a{x="1"} 1\nb 2\n'), timestampMs: 1000, durationSeconds: 0.01, seen }).batch;
    const second = scrapeBatch({ target, exposition: parse('b 3\na{x="1"} 4\nc 5\n'), timestampMs: 2000, durationSeconds: 0.01, seen }).batch;
    expect(byName(second.series, 'a')[0]!.labels).toBe(byName(first.series, 'a')[0]!.labels);
    expect(byName(second.series, 'b')[0]!.labels).toBe(byName(first.series, 'b')[0]!.labels);
    expect(byName(second.series, 'c')[0]!.labels).toEqual({ __name__: 'c', job: 'node', instance: '127.0.0.1:9464', dc: 'eu' });
  });

  it('writes the report series and uses the scrape time unless the line has its own', () => {
    const seen: SeenSeries = new Map();
    const { batch, outcome } = scrapeBatch({ target, exposition: parse('a 1\nb 2 5000\na 3\n'), timestampMs: 1000, durationSeconds: 0.25, seen });
    expect(outcome).toEqual({ up: true, durationSeconds: 0.25, samplesScraped: 3, seriesAdded: 2 });
    expect(byName(batch.series, 'a')).toHaveLength(1);
    expect(byName(batch.series, 'a')[0]!.samples).toEqual([{ timestampMs: 1000, value: 1 }]);
    expect(byName(batch.series, 'b')[0]!.samples).toEqual([{ timestampMs: 5000, value: 2 }]);
    const report = Object.fromEntries(
      ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'].map((n) => [n, byName(batch.series, n)[0]!.samples[0]!.value]),
    );
    expect(report).toEqual({ up: 1, scrape_duration_seconds: 0.25, scrape_samples_scraped: 3, scrape_samples_post_metric_relabeling: 3, scrape_series_added: 2 });
    expect(byName(batch.series, 'up')[0]!.labels).toEqual({ __name__: 'up', job: 'node', instance: '127.0.0.1:9464', dc: 'eu' });
  });

  it('marks a series stale when it disappears, and every series when the scrape fails', () => {
    const seen: SeenSeries = new Map();
    scrapeBatch({ target, exposition: parse('a 1\nb 2\nc 3 7000\n'), timestampMs: 1000, durationSeconds: 0, seen });
    const second = scrapeBatch({ target, exposition: parse('a 1\n'), timestampMs: 2000, durationSeconds: 0, seen }).batch;
    // b went away; c carried its own timestamp, so it is not tracked for staleness (as in Prometheus).
    expect(byName(second.series, 'b')[0]!.samples).toEqual([{ timestampMs: 2000, value: Number.NaN, stale: true }]);
    expect(byName(second.series, 'c')).toHaveLength(0);
    const failed = scrapeBatch({ target, exposition: undefined, timestampMs: 3000, durationSeconds: 0, seen });
    expect(failed.outcome.up).toBe(false);
    expect(byName(failed.batch.series, 'a')[0]!.samples[0]!.stale).toBe(true);
    expect(byName(failed.batch.series, 'up')[0]!.samples[0]!.value).toBe(0);
    expect(seen.size).toBe(0);
  });

  it('marks everything stale, report series included, when the target goes away', () => {
    const seen: SeenSeries = new Map();
    scrapeBatch({ target, exposition: parse('a 1\n'), timestampMs: 1000, durationSeconds: 0, seen });
    const batch = endOfRunStaleness(target, seen, 5000);
    expect(batch.series.map((s) => s.labels.__name__).sort()).toEqual(
      ['a', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up'],
    );
    expect(batch.series.every((s) => s.samples[0]!.stale === true && s.samples[0]!.timestampMs === 5000)).toBe(true);
  });

  it('identifies label sets whatever their order', () => {
    expect(seriesKey({ a: '1', b: '2' })).toBe(seriesKey({ b: '2', a: '1' }));
    expect(seriesKey({ a: '1', b: '2' })).not.toBe(seriesKey({ a: '12' }));
  });
});
