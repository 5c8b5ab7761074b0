import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import type { WriteBatch } from '../write-batch.ts';
import { openDiskBuffer } from './disk-buffer.ts';

const log = createLogger({ level: 'silent' });
const batchOf = (n: number): WriteBatch => ({ series: [{ labels: { __name__: 'm', n: String(n) }, samples: [{ timestampMs: n, value: n }] }] });

describe('disk buffer', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-buffer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives batches back oldest first, and again after a restart', async () => {
    const first = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    for (const n of [1, 2, 3]) await first.append(batchOf(n));
    const oldest = await first.oldest();
    expect(oldest?.batch).toEqual(batchOf(1));
    await first.remove(oldest!.id);
    await first.close();

    const again = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    expect(again.batches).toBe(2);
    const seen: number[] = [];
    for (let next = await again.oldest(); next !== undefined; next = await again.oldest()) {
      seen.push(next.batch.series[0]!.samples[0]!.value);
      await again.remove(next.id);
    }
    expect(seen).toEqual([2, 3]);
    expect(again.bytes).toBe(0);
    await again.append(batchOf(4));
    expect((await again.oldest())?.batch).toEqual(batchOf(4));
  });

  it('stays under its byte bound by dropping the oldest', async () => {
    // ~100 KiB per batch against a 1 MiB bound: about ten fit.
    const big = (n: number): WriteBatch => ({ series: [{ labels: { __name__: 'm', pad: 'x'.repeat(100_000) }, samples: [{ timestampMs: n, value: n }] }] });
    const maxBytes = 1 << 20;
    const buffer = await openDiskBuffer({ dir, maxBytes, log });
    for (let n = 1; n <= 15; n++) await buffer.append(big(n));
    expect(buffer.bytes).toBeLessThanOrEqual(maxBytes);
    expect(buffer.batches).toBeGreaterThan(5);
    expect(buffer.dropped).toBe(15 - buffer.batches);
    const oldest = await buffer.oldest();
    expect(oldest!.batch.series[0]!.samples[0]!.value).toBe(buffer.dropped + 1);
  });

  it('drops a torn file and leftovers of an interrupted write', async () => {
    const buffer = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    await buffer.append(batchOf(1));
    await buffer.append(batchOf(2));
    const [firstFile] = (await readdir(dir)).sort();
    await writeFile(path.join(dir, firstFile!), 'torn');
    await writeFile(path.join(dir, '0000000000000099.batch.tmp'), 'half');
    const reopened = await openDiskBuffer({ dir, maxBytes: 1 << 20, log });
    expect((await reopened.oldest())?.batch).toEqual(batchOf(2));
    expect(reopened.dropped).toBe(1);
    expect((await readdir(dir)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});
