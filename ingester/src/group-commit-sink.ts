import { refusedForData } from './ingest-sink.ts';
import type { IngestOrigin, IngestSink } from './ingest-sink.ts';
import type { WriteBatch, WriteResult } from './write-batch.ts';

export interface GroupCommitOptions {
  /** Writes of merged batches in flight at once; default 4. */
  concurrency?: number;
  /** Batches merged into one write at most; default 64. */
  maxBatches?: number;
  /** Samples merged into one write at most (a single batch may hold more); default 40 000. */
  maxSamples?: number;
}

interface Waiting {
  batch: WriteBatch;
  samples: number;
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}


const samplesOf = (batch: WriteBatch): number => {
  let n = 0;
  for (const s of batch.series) n += s.samples.length;
  return n;
};

/** One batch with the series and metadata of `group`, in order (the writer and the snapshots take a series more than once). */
function concatenate(group: readonly Waiting[]): WriteBatch {
  if (group.length === 1) return group[0]!.batch;
  const series: WriteBatch['series'] = [];
  const metadata: NonNullable<WriteBatch['metadata']> = [];
  for (const { batch } of group) {
    for (const one of batch.series) series.push(one);
    if (batch.metadata !== undefined) for (const m of batch.metadata) metadata.push(m);
  }
  return { series, metadata, onOutOfBounds: 'drop' };
}

/**
 * Group commit for the scrape path: with a thousand targets, scrapes finish a few milliseconds
 * apart, and one transaction (one WAL flush, one snapshot statement) per scrape is what limits
 * throughput. Scrape batches that arrive while `concurrency` writes are in flight wait and go
 * together in the next write; each caller's promise settles when the write holding its batch
 * commits, so nothing is acknowledged earlier than before. A merged write refused for its data is
 * retried batch by batch, so only the batch at fault fails; a storage failure fails every batch of
 * the write, and each caller buffers its own. Remote-write and `reject` batches pass straight through:
 * a remote-write request is its own transaction and its own answer. Every caller of a merged write
 * gets that write's result.
 */
export function createGroupCommitSink(sink: IngestSink, options: GroupCommitOptions = {}): IngestSink {
  const concurrency = options.concurrency ?? 4;
  const maxBatches = options.maxBatches ?? 64;
  const maxSamples = options.maxSamples ?? 40_000;
  const queue: Waiting[] = [];
  let inFlight = 0;

  async function writeGroup(group: Waiting[]): Promise<void> {
    try {
      const result = await sink(concatenate(group), 'scrape');
      for (const w of group) w.resolve(result);
    } catch (err) {
      if (group.length === 1 || !refusedForData(err)) {
        for (const w of group) w.reject(err);
        return;
      }
      for (const w of group) {
        await sink(w.batch, 'scrape').then(w.resolve, w.reject);
      }
    }
  }

  function pump(): void {
    while (inFlight < concurrency && queue.length > 0) {
      const group: Waiting[] = [queue.shift()!];
      let samples = group[0]!.samples;
      while (group.length < maxBatches && queue.length > 0 && samples + queue[0]!.samples <= maxSamples) {
        const next = queue.shift()!;
        samples += next.samples;
        group.push(next);
      }
      inFlight++;
      void writeGroup(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (batch: WriteBatch, origin: IngestOrigin = 'remote-write') => {
    if (origin !== 'scrape' || batch.onOutOfBounds !== 'drop') return sink(batch, origin);
    return new Promise<WriteResult>((resolve, reject) => {
      queue.push({ batch, samples: samplesOf(batch), resolve, reject });
      pump();
    });
  };
}
