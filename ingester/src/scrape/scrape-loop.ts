import type { Logger } from '@sextant/log';
import type { WriteBatch } from '../write-batch.ts';
import { fetchScrape } from './fetch-scrape.ts';
import { parseScrapeBody } from './parse-scrape-body.ts';
import { endOfRunStaleness, scrapeBatch } from './scrape-batch.ts';
import type { ScrapeOutcome, SeenSeries } from './scrape-batch.ts';
import { ScrapeError } from './scrape-error.ts';
import { targetUrl } from './scrape-target.ts';
import type { ScrapeTarget } from './scrape-target.ts';
import { delayUntilSlot } from './target-offset.ts';

/** Where a scrape loop hands its batches; resolves once they are stored or buffered. */
export type ScrapeSink = (batch: WriteBatch) => Promise<void>;

export interface ScrapeLoopOptions {
  target: ScrapeTarget;
  intervalMs: number;
  timeoutMs: number;
  /** Uncompressed body bytes allowed; 0 = no limit. */
  bodySizeLimit: number;
  /** Samples allowed per scrape; 0 = no limit. More fails the scrape, as in Prometheus. */
  sampleLimit: number;
  /** This target's slot in the interval (`targetOffsetMs`). */
  offsetMs: number;
  /** Scrape once right away, then keep to the slot (a target added while running). */
  immediate: boolean;
  sink: ScrapeSink;
  log: Logger;
}

/** A running scrape loop; `last` is the outcome of its latest scrape. */
export interface ScrapeLoop {
  readonly target: ScrapeTarget;
  readonly last: (ScrapeOutcome & { error?: string; at: number }) | undefined;
  /** Stops the timer and waits for a scrape in flight; with `staleness`, marks all its series stale. */
  stop(options: { staleness: boolean }): Promise<void>;
}

/** Scrapes `target` every interval at its slot until stopped; one scrape at a time. */
export function startScrapeLoop(options: ScrapeLoopOptions): ScrapeLoop {
  const { target, intervalMs, log } = options;
  const url = targetUrl(target);
  const seen: SeenSeries = new Map();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let last: ScrapeLoop['last'];

  async function scrapeOnce(): Promise<void> {
    const startedAt = Date.now();
    let exposition;
    let error: string | undefined;
    try {
      const response = await fetchScrape(url, { timeoutMs: options.timeoutMs, bodySizeLimit: options.bodySizeLimit, bearerToken: target.bearerToken, signal: abort.signal });
      exposition = parseScrapeBody(response.body, response.contentType);
      if (options.sampleLimit > 0 && exposition.samples.length > options.sampleLimit) {
        throw new ScrapeError('SCRAPE_SAMPLE_LIMIT', `sample limit exceeded (${exposition.samples.length} > ${options.sampleLimit})`);
      }
    } catch (err) {
      exposition = undefined;
      error = (err as Error).message;
      if (!abort.signal.aborted) log.debug({ err, target: target.address }, 'scrape failed');
    }
    if (abort.signal.aborted) return;
    const { batch, outcome } = scrapeBatch({ target, exposition, timestampMs: startedAt, durationSeconds: (Date.now() - startedAt) / 1000, seen });
    last = error === undefined ? { ...outcome, at: startedAt } : { ...outcome, error, at: startedAt };
    try {
      await options.sink(batch);
    } catch (err) {
      log.error({ err, target: target.address }, 'scrape result lost: neither stored nor buffered');
    }
  }

  // Slots are `offsetMs` into each interval; a scrape that overruns skips the slots it missed.
  let slot = Date.now() + delayUntilSlot(Date.now(), intervalMs, options.offsetMs);
  function schedule(at: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      const began = Date.now();
      running = scrapeOnce().finally(() => {
        // A timer that fired a little early must not make the same slot run twice.
        while (slot <= Date.now() || slot - began < intervalMs / 2) slot += intervalMs;
        schedule(slot);
      });
    }, Math.max(0, at - Date.now()));
  }

  if (options.immediate && slot - Date.now() < intervalMs / 2) slot += intervalMs;
  schedule(options.immediate ? Date.now() : slot);

  return {
    target,
    get last() {
      return last;
    },
    async stop({ staleness }) {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running;
      if (staleness && seen.size + (last === undefined ? 0 : 1) > 0) {
        try {
          await options.sink(endOfRunStaleness(target, seen, Date.now()));
        } catch (err) {
          log.error({ err, target: target.address }, 'stale markers lost: neither stored nor buffered');
        }
      }
    },
  };
}
