import type { Logger } from '@sextant/log';
import type { Collector } from './collector.ts';
import { FamilySet } from './family-set.ts';
import { family } from './metric-family.ts';

const DURATION = family('node_scrape_collector_duration_seconds', 'gauge', 'node_exporter: Duration of a collector scrape.');
const SUCCESS = family('node_scrape_collector_success', 'gauge', 'node_exporter: Whether a collector succeeded.');
const FAILURES = family(
  'sextant_exporter_collector_failures_total',
  'counter',
  'Scrapes in which a collector failed or timed out; its samples were left out of that scrape.',
);

export interface CollectorRunner {
  /** Runs every collector concurrently, each within the timeout, and returns all samples plus node_scrape_collector_*. */
  run(): Promise<FamilySet>;
}

export interface CollectorRunnerOptions {
  collectors: readonly Collector[];
  timeoutMs: number;
  log: Logger;
}

/** Runs collectors so that one failing or hanging never fails the scrape: it is counted and skipped. */
export function createCollectorRunner(options: CollectorRunnerOptions): CollectorRunner {
  const failures = new Map<string, number>(options.collectors.map((c) => [c.name, 0]));

  async function runOne(collector: Collector): Promise<{ set: FamilySet; ok: boolean; seconds: number }> {
    const set = new FamilySet();
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`collector timed out after ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      });
      await Promise.race([collector.collect(set, controller.signal), timeout]);
      return { set, ok: true, seconds: (performance.now() - started) / 1000 };
    } catch (err) {
      failures.set(collector.name, (failures.get(collector.name) ?? 0) + 1);
      options.log.debug({ err, collector: collector.name }, 'collector failed');
      return { set, ok: false, seconds: (performance.now() - started) / 1000 };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async run() {
      const results = await Promise.all(options.collectors.map(runOne));
      const out = new FamilySet();
      options.collectors.forEach((collector, i) => {
        const r = results[i]!;
        if (r.ok) out.merge(r.set);
        const labels = { collector: collector.name };
        out.add(DURATION, r.seconds, labels);
        out.add(SUCCESS, r.ok ? 1 : 0, labels);
        out.add(FAILURES, failures.get(collector.name) ?? 0, labels);
      });
      return out;
    },
  };
}
