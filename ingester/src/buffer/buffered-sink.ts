import type { Logger } from '@sextant/log';
import { refusedForData } from '../ingest-sink.ts';
import type { IngestSink } from '../ingest-sink.ts';
import type { WriteBatch } from '../write-batch.ts';
import type { DiskBuffer } from './disk-buffer.ts';

export interface BufferedSinkOptions {
  sink: IngestSink;
  buffer: DiskBuffer;
  log: Logger;
  /** First wait before retrying storage, in ms; doubles up to `retryMaxMs`. Default 500. */
  retryMinMs?: number;
  /** Longest wait between retries, in ms. Default 5000. */
  retryMaxMs?: number;
}

/** The scrape loop's way into storage: straight through while it answers, through the disk buffer while not. */
export interface BufferedSink {
  /** Resolves once the batch is committed, or fsync'd into the buffer. */
  write(batch: WriteBatch): Promise<void>;
  /** True while batches wait on disk. */
  readonly buffering: boolean;
  /** Stops retrying; what waits stays on disk for the next start. */
  close(): Promise<void>;
}

// Replays at most this many writes per round before giving the event loop back; each write carries
// up to MERGE buffered batches (one transaction instead of one per scrape), so a backlog built up
// under overload drains faster than new scrapes arrive.
const ROUND = 20;
const MERGE = 64;

/** One batch holding the series of `batches`; a series in several of them gets their samples in order. */
export function mergeBatches(batches: readonly WriteBatch[]): WriteBatch {
  const series = new Map<string, WriteBatch['series'][number]>();
  const metadata = new Map<string, NonNullable<WriteBatch['metadata']>[number]>();
  for (const batch of batches) {
    for (const one of batch.series) {
      const key = JSON.stringify(Object.entries(one.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const seen = series.get(key);
      if (seen === undefined) series.set(key, { labels: one.labels, samples: [...one.samples] });
      else seen.samples.push(...one.samples);
    }
    for (const meta of batch.metadata ?? []) metadata.set(meta.family, meta);
  }
  for (const one of series.values()) one.samples.sort((a, b) => a.timestampMs - b.timestampMs);
  return { series: [...series.values()], metadata: [...metadata.values()], onOutOfBounds: 'drop' };
}

/**
 * Writes scrape batches through `sink`; when storage fails, the batch goes to the disk buffer, and
 * so does every later one until the buffer is drained, oldest first, so series stay in time order.
 * The sink is idempotent, so a batch replayed after a crash between commit and removal is harmless.
 */
export function createBufferedSink(options: BufferedSinkOptions): BufferedSink {
  const { sink, buffer } = options;
  const log = options.log.child({ module: 'buffered-sink' });
  const minMs = options.retryMinMs ?? 500;
  const maxMs = options.retryMaxMs ?? 5000;
  let waitMs = minMs;
  let timer: NodeJS.Timeout | undefined;
  let replaying: Promise<void> | undefined;
  let closed = false;

  function later(delayMs = waitMs): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void replay();
    }, delayMs);
    if (delayMs > 0) waitMs = Math.min(waitMs * 2, maxMs);
  }

  // Stores a group of buffered batches; false when storage is still away. A group storage refuses
  // for its data is retried one batch at a time, so only the refused batch is dropped.
  async function store(group: { id: number; batch: WriteBatch }[]): Promise<boolean> {
    try {
      await sink(group.length === 1 ? { ...group[0]!.batch, onOutOfBounds: 'drop' } : mergeBatches(group.map((g) => g.batch)), 'scrape');
    } catch (err) {
      if (!refusedForData(err)) {
        log.debug({ err, waiting: buffer.batches }, 'storage still unavailable');
        return false;
      }
      if (group.length > 1) {
        for (const one of group) if (!(await store([one]))) return false;
        return true;
      }
      log.error({ err, id: group[0]!.id }, 'buffered batch refused by storage; dropped');
    }
    for (const one of group) await buffer.remove(one.id);
    return true;
  }

  function replay(): Promise<void> {
    replaying ??= (async () => {
      try {
        for (let i = 0; i < ROUND && !closed; i++) {
          const group = await buffer.oldestBatches(MERGE);
          if (group.length === 0) {
            waitMs = minMs;
            log.info('buffer drained');
            return;
          }
          if (!(await store(group))) {
            later();
            return;
          }
          waitMs = minMs;
        }
        // Storage answers: go on at once, after letting other work run.
        later(0);
      } finally {
        replaying = undefined;
      }
    })();
    return replaying;
  }

  if (buffer.batches > 0) later();

  return {
    async write(batch) {
      const scrape: WriteBatch = { ...batch, onOutOfBounds: 'drop' };
      if (buffer.batches === 0 && replaying === undefined) {
        try {
          await sink(scrape, 'scrape');
          return;
        } catch (err) {
          if (refusedForData(err)) {
            log.error({ err }, 'scrape batch refused by storage; dropped');
            return;
          }
          log.warn({ err }, 'storage unavailable; buffering scrape results on disk');
        }
      }
      await buffer.append(scrape);
      later();
    },
    get buffering() {
      return buffer.batches > 0;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await replaying;
    },
  };
}
