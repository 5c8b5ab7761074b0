import { createLogger } from '@sextant/log';
import { describe, expect, it } from 'vitest';
import { createCollectorRunner } from './collector-runner.ts';
import { family } from './metric-family.ts';

const log = createLogger({ level: 'silent' });
const UP = family('x_up', 'gauge', 'x');

describe('createCollectorRunner', () => {
  it('counts and skips a failing or hanging collector without failing the scrape', async () => {
    const runner = createCollectorRunner({
      log,
      timeoutMs: 50,
      collectors: [
        { name: 'good', collect: (out) => out.add(UP, 1) },
        {
          name: 'bad',
          collect: (out) => {
            out.add(family('x_partial', 'gauge', 'x'), 1);
            throw new Error('boom');
          },
        },
        { name: 'slow', collect: () => new Promise<void>(() => undefined) },
      ],
    });
    const set = await runner.run();
    await runner.run();
    const samples = (name: string): Record<string, number> =>
      Object.fromEntries(set.families.get(name)!.samples.map((s) => [s.labels.collector!, s.value]));
    expect(samples('node_scrape_collector_success')).toEqual({ good: 1, bad: 0, slow: 0 });
    expect(samples('sextant_exporter_collector_failures_total')).toEqual({ good: 0, bad: 1, slow: 1 });
    expect(set.families.has('x_up')).toBe(true);
    expect(set.families.has('x_partial')).toBe(false);
    expect(samples('node_scrape_collector_duration_seconds').slow).toBeGreaterThanOrEqual(0.04);
  });

  it('counts a synchronous collector that blocks past the timeout as failed and drops its samples', async () => {
    const runner = createCollectorRunner({
      log,
      timeoutMs: 20,
      collectors: [
        { name: 'fast', collect: (out) => out.add(UP, 1) },
        {
          name: 'blocking',
          collect: (out) => {
            out.add(family('x_late', 'gauge', 'x'), 1);
            // Like a readFileSync of a /proc file on a wedged driver: no timer can interrupt it.
            const end = performance.now() + 40;
            while (performance.now() < end) continue;
          },
        },
      ],
    });
    const set = await runner.run();
    const samples = (name: string): Record<string, number> =>
      Object.fromEntries(set.families.get(name)!.samples.map((s) => [s.labels.collector!, s.value]));
    expect(samples('node_scrape_collector_success')).toEqual({ fast: 1, blocking: 0 });
    expect(samples('sextant_exporter_collector_failures_total')).toEqual({ fast: 0, blocking: 1 });
    expect(set.families.has('x_up')).toBe(true);
    expect(set.families.has('x_late')).toBe(false);
    const duration = samples('node_scrape_collector_duration_seconds');
    expect(duration.blocking).toBeGreaterThanOrEqual(0.04);
    // The collector that ran before it in the same tick is not charged for its time.
    expect(duration.fast).toBeLessThan(0.02);
  });
});
