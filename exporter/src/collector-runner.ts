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
  /**
   * Runs every collector concurrently and returns all samples plus node_scrape_collector_*. An
   * asynchronous collector is aborted at the timeout; a synchronous one cannot be, but one that
   * took longer counts as failed and its samples are dropped.
   */
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

  // Resolves with the time `pending` settled, or rejects at the timeout (aborting the collector).
  async function settledAt(pending: Promise<void>, controller: AbortController): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`collector timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
    });
    try {
      return await Promise.race([pending.then(() => performance.now()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function runOne(collector: Collector): Promise<{ set: FamilySet; ok: boolean; seconds: number }> {
    const set = new FamilySet();
    const started = performance.now();
    const controller = new AbortController();
    try {
      const pending = collector.collect(set, controller.signal);
      // A synchronous collector has ended here. Taking the time after an `await` would add the
      // collectors that run after it in the same tick.
      const ended = pending === undefined ? performance.now() : await settledAt(pending, controller);
      const seconds = (ended - started) / 1000;
      // A synchronous read (a /proc file on a wedged driver) cannot be interrupted: the timer only
      // fires once it returns. Over budget is counted as timed out all the same.
      if (seconds * 1000 > options.timeoutMs) {
        throw new Error(`collector took ${Math.round(seconds * 1000)} ms, over the ${options.timeoutMs} ms timeout`);
      }
      return { set, ok: true, seconds };
    } catch (err) {
      failures.set(collector.name, (failures.get(collector.name) ?? 0) + 1);
      options.log.debug({ err, collector: collector.name }, 'collector failed');
      return { set, ok: false, seconds: (performance.now() - started) / 1000 };
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
