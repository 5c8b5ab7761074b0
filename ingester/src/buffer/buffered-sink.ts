import type { Logger } from '@sextant/log';
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

// Data PostgreSQL refuses for what it is: retrying cannot help, so such a batch is dropped (and logged).
const REFUSED = new Set(['SAMPLE_OUT_OF_BOUNDS', 'WRITE_REJECTED', 'SNAPSHOT_REJECTED']);
const refused = (err: unknown): boolean => REFUSED.has(String((err as { code?: unknown }).code));

// Replays at most this many batches per round before giving the event loop back.
const ROUND = 100;

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

  function later(): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void replay();
    }, waitMs);
    waitMs = Math.min(waitMs * 2, maxMs);
  }

  function replay(): Promise<void> {
    replaying ??= (async () => {
      try {
        for (let i = 0; i < ROUND && !closed; i++) {
          const next = await buffer.oldest();
          if (next === undefined) {
            waitMs = minMs;
            log.info('buffer drained');
            return;
          }
          try {
            await sink({ ...next.batch, onOutOfBounds: 'drop' }, 'scrape');
          } catch (err) {
            if (!refused(err)) {
              log.debug({ err, waiting: buffer.batches }, 'storage still unavailable');
              later();
              return;
            }
            log.error({ err, id: next.id }, 'buffered batch refused by storage; dropped');
          }
          await buffer.remove(next.id);
          waitMs = minMs;
        }
        later();
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
          if (refused(err)) {
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
