import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { StorageError } from '@sextant/storage';
import { waitFor } from '@sextant/testkit/process';
import type { IngestSink } from '../ingest-sink.ts';
import type { WriteBatch } from '../write-batch.ts';
import { createBufferedSink, mergeBatches } from './buffered-sink.ts';
import { openDiskBuffer } from './disk-buffer.ts';

const log = createLogger({ level: 'silent' });
const batchOf = (n: number): WriteBatch => ({ series: [{ labels: { __name__: 'm' }, samples: [{ timestampMs: n, value: n }] }] });

// A storage stand-in that is either up (keeps what it gets) or down (throws like the writer does).
function storage() {
  const stored: number[] = [];
  const state = { up: true, refuse: new Set<number>(), writes: 0 };
  const sink: IngestSink = (batch) => {
    if (!state.up) return Promise.reject(new StorageError('STORAGE_UNAVAILABLE', 'down', { retryable: true }));
    const values = batch.series.flatMap((one) => one.samples.map((sample) => sample.value));
    if (values.some((value) => state.refuse.has(value))) return Promise.reject(Object.assign(new Error('refused'), { code: 'WRITE_REJECTED' }));
    stored.push(...values);
    state.writes++;
    return Promise.resolve({ samples: 1, duplicates: 0, newSeries: 0, metadata: 0 });
  };
  return { stored, state, sink };
}

describe('buffered sink', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-buffered-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes straight through while storage answers, buffers while not, then replays in order', async () => {
    const { stored, state, sink } = storage();
    const buffer = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    const buffered = createBufferedSink({ sink, buffer, log, retryMinMs: 20, retryMaxMs: 50 });
    await buffered.write(batchOf(1));
    expect(stored).toEqual([1]);
    state.up = false;
    for (const n of [2, 3, 4]) await buffered.write(batchOf(n));
    expect(buffer.batches).toBe(3);
    expect(buffered.buffering).toBe(true);
    state.up = true;
    // Later batches queue behind the buffered ones, so order holds.
    await buffered.write(batchOf(5));
    await waitFor('the buffer to drain', () => Promise.resolve(buffer.batches === 0 ? true : undefined));
    expect(stored).toEqual([1, 2, 3, 4, 5]);
    await buffered.close();
  });

  it('drops a batch storage refuses for its data, and goes on', async () => {
    const { stored, state, sink } = storage();
    const buffer = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    const buffered = createBufferedSink({ sink, buffer, log, retryMinMs: 20, retryMaxMs: 50 });
    state.up = false;
    for (const n of [1, 2, 3]) await buffered.write(batchOf(n));
    state.refuse.add(2);
    state.up = true;
    await waitFor('the buffer to drain', () => Promise.resolve(buffer.batches === 0 ? true : undefined));
    expect(stored).toEqual([1, 3]);
    await buffered.close();
  });

  it('replays what an earlier run left on disk', async () => {
    const first = storage();
    first.state.up = false;
    const buffer = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    const earlier = createBufferedSink({ sink: first.sink, buffer, log });
    for (const n of [7, 8]) await earlier.write(batchOf(n));
    await earlier.close();

    const second = storage();
    const reopened = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    const later = createBufferedSink({ sink: second.sink, buffer: reopened, log, retryMinMs: 20 });
    await waitFor('the leftovers to be replayed', () => Promise.resolve(reopened.batches === 0 ? true : undefined));
    expect(second.stored).toEqual([7, 8]);
    await later.close();
  });

  it('drains a backlog in merged writes, far fewer than the batches waiting, in time order', async () => {
    const { stored, state, sink } = storage();
    const buffer = await openDiskBuffer({ dir, maxBytes: 1 << 24, log });
    const buffered = createBufferedSink({ sink, buffer, log, retryMinMs: 20, retryMaxMs: 50 });
    state.up = false;
    for (let n = 1; n <= 200; n++) await buffered.write(batchOf(n));
    expect(buffer.batches).toBe(200);
    state.up = true;
    await waitFor('the buffer to drain', () => Promise.resolve(buffer.batches === 0 ? true : undefined));
    expect(stored).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(state.writes).toBeLessThanOrEqual(4);
    await buffered.close();
  });
});

describe('mergeBatches', () => {
  it('joins the samples of one series across batches in time order, keeps other series apart, and metadata once', () => {
    const merged = mergeBatches([
      { series: [{ labels: { __name__: 'up', job: 'a' }, samples: [{ timestampMs: 2000, value: 1 }] }], metadata: [{ family: 'up', type: 'gauge', help: '', unit: '' }] },
      {
        series: [
          { labels: { job: 'a', __name__: 'up' }, samples: [{ timestampMs: 1000, value: 0 }] },
          { labels: { __name__: 'up', job: 'b' }, samples: [{ timestampMs: 1000, value: 1 }] },
        ],
        metadata: [{ family: 'up', type: 'gauge', help: 'x', unit: '' }],
      },
    ]);
    expect(merged.series).toEqual([
      { labels: { __name__: 'up', job: 'a' }, samples: [{ timestampMs: 1000, value: 0 }, { timestampMs: 2000, value: 1 }] },
      { labels: { __name__: 'up', job: 'b' }, samples: [{ timestampMs: 1000, value: 1 }] },
    ]);
    expect(merged.metadata).toEqual([{ family: 'up', type: 'gauge', help: 'x', unit: '' }]);
    expect(merged.onOutOfBounds).toBe('drop');
  });
});
