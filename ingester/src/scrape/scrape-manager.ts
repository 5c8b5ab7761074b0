import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '@sextant/log';
import { databaseTargets } from './database-targets.ts';
import { expandFileSd, readFileSd } from './file-sd.ts';
import { startScrapeLoop } from './scrape-loop.ts';
import type { ScrapeLoop, ScrapeSink } from './scrape-loop.ts';
import { targetKey } from './scrape-target.ts';
import type { ScrapeTarget } from './scrape-target.ts';
import { targetOffsetMs } from './target-offset.ts';
import { shardOf } from './target-shard.ts';

export interface ScrapeManagerOptions {
  /** Where servers with an exporter `address` are read from; none = no database discovery. */
  pool?: pg.Pool;
  intervalMs: number;
  timeoutMs: number;
  bodySizeLimit: number;
  sampleLimit: number;
  /** `job` of database targets and of file_sd groups without one. */
  job: string;
  staticTargets: readonly ScrapeTarget[];
  /** file_sd files or globs, re-read at every refresh and when their directory changes. */
  fileSd: readonly string[];
  sink: ScrapeSink;
  log: Logger;
  /** How often targets are rediscovered; default the interval, at most 15 s. */
  refreshMs?: number;
  /** With `shards` > 1, only targets whose address hashes to `shard` are scraped here (default 1 and 0). */
  shards?: number;
  shard?: number;
  /** Mixed into every target's slot, so several ingesters spread the same target list differently. */
  seed?: string;
}

/** The running scrape loops, kept in step with discovery. */
export interface ScrapeManager {
  /** Current loops (target and latest outcome). */
  loops(): ScrapeLoop[];
  /** Re-runs discovery now; resolves when loops match it. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Scrapes the union of the database's servers, the static targets and the file_sd targets. A target
 * found after start is scraped at once (so a server added through the API is scraped within one
 * refresh), then at its slot; a target that goes away gets stale markers for its series.
 */
export async function startScrapeManager(options: ScrapeManagerOptions): Promise<ScrapeManager> {
  const log = options.log.child({ module: 'scrape-manager' });
  const refreshMs = options.refreshMs ?? Math.min(options.intervalMs, 15_000);
  const running = new Map<string, ScrapeLoop>();
  const fileTargets = new Map<string, ScrapeTarget[]>();
  let dbTargets: ScrapeTarget[] = [];
  let first = true;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  const watchers: FSWatcher[] = [];

  async function discover(): Promise<ScrapeTarget[]> {
    if (options.fileSd.length > 0) {
      const files = await expandFileSd(options.fileSd).catch((err: unknown) => {
        log.warn({ err }, 'file_sd patterns could not be expanded');
        return [...fileTargets.keys()];
      });
      for (const file of [...fileTargets.keys()]) if (!files.includes(file)) fileTargets.delete(file);
      for (const file of files) {
        try {
          fileTargets.set(file, await readFileSd(file, options.job));
        } catch (err) {
          // A file being rewritten, or broken: keep what it named before (Prometheus does the same).
          log.warn({ err, file }, 'file_sd file unreadable; keeping its previous targets');
        }
      }
    }
    if (options.pool !== undefined) {
      try {
        dbTargets = await databaseTargets(options.pool, options.job);
      } catch (err) {
        log.debug({ err }, 'servers table unreachable; keeping the known database targets');
      }
    }
    const wanted = new Map<string, ScrapeTarget>();
    const addresses = new Set<string>();
    for (const target of [...options.staticTargets, ...[...fileTargets.values()].flat()]) {
      wanted.set(targetKey(target), target);
      addresses.add(target.address);
    }
    // A server registered from a static or file_sd target is that target, not a second one.
    for (const target of dbTargets) if (!addresses.has(target.address)) wanted.set(targetKey(target), target);
    const shards = options.shards ?? 1;
    return [...wanted.values()].filter((t) => shards <= 1 || shardOf(t.address, shards) === (options.shard ?? 0));
  }

  async function sync(): Promise<void> {
    const targets = await discover();
    if (closed) return;
    const keys = new Set(targets.map(targetKey));
    const removed = [...running.entries()].filter(([key]) => !keys.has(key));
    for (const [key] of removed) running.delete(key);
    for (const target of targets) {
      const key = targetKey(target);
      if (running.has(key)) continue;
      log.info({ target: target.address, job: target.job }, 'scraping target');
      running.set(
        key,
        startScrapeLoop({
          target,
          intervalMs: options.intervalMs,
          timeoutMs: options.timeoutMs,
          bodySizeLimit: options.bodySizeLimit,
          sampleLimit: options.sampleLimit,
          offsetMs: targetOffsetMs(key, options.intervalMs, options.seed),
          immediate: !first,
          sink: options.sink,
          log,
        }),
      );
    }
    first = false;
    await Promise.all(
      removed.map(([, loop]) => {
        log.info({ target: loop.target.address }, 'target gone; marking its series stale');
        return loop.stop({ staleness: true });
      }),
    );
  }

  // Refreshes run one at a time; calls while one is queued share it (a burst of file events is one).
  let queued: Promise<void> | undefined;
  function refresh(): Promise<void> {
    queued ??= chain = chain
      .then(() => {
        queued = undefined;
        return sync();
      })
      .catch((err: unknown) => log.error({ err }, 'target discovery failed'));
    return queued;
  }

  function tick(): void {
    timer = setTimeout(() => {
      void refresh().finally(() => {
        if (!closed) tick();
      });
    }, refreshMs);
  }

  for (const dir of new Set(options.fileSd.map((p) => path.dirname(path.resolve(p))))) {
    try {
      const watcher = watch(dir, { persistent: false }, () => void refresh());
      watcher.on('error', (err) => log.warn({ err, dir }, 'file_sd directory watch failed; re-reading every refresh only'));
      watchers.push(watcher);
    } catch (err) {
      log.warn({ err, dir }, 'file_sd directory cannot be watched; re-reading every refresh only');
    }
  }
  await refresh();
  tick();

  return {
    loops: () => [...running.values()],
    refresh,
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await chain;
      await Promise.all([...running.values()].map((loop) => loop.stop({ staleness: false })));
      running.clear();
    },
  };
}
