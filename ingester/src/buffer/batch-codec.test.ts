import { describe, expect, it } from 'vitest';
import { STALE_NAN_BITS } from '../write-batch.ts';
import type { WriteBatch } from '../write-batch.ts';
import { CorruptBatchError, decodeBatch, encodeBatch } from './batch-codec.ts';

const bitsOf = (v: number): bigint => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  return view.getBigUint64(0);
};

describe('batch codec', () => {
  const batch: WriteBatch = {
    series: [
      { labels: { __name__: 'a', job: 'node', instance: 'h:1', note: 'ünïcode "quoted"\n' }, samples: [{ timestampMs: 1, value: 1.5 }, { timestampMs: 2, value: Number.NaN, stale: true }] },
      { labels: { __name__: 'b' }, samples: [{ timestampMs: 3, value: Number.POSITIVE_INFINITY }, { timestampMs: 4, value: -0 }, { timestampMs: 5, value: Number.NaN }] },
    ],
    metadata: [{ family: 'a', type: 'gauge', help: 'h', unit: '' }],
    onOutOfBounds: 'drop',
  };

  it('round-trips labels, values bit for bit, stale markers and metadata', () => {
    const back = decodeBatch(encodeBatch(batch));
    expect(back.series.map((s) => s.labels)).toEqual(batch.series.map((s) => s.labels));
    expect(back.metadata).toEqual(batch.metadata);
    const [a, b] = back.series;
    expect(a!.samples[1]!.stale).toBe(true);
    expect(a!.samples[0]!.stale).toBeUndefined();
    expect(Number.isNaN(a!.samples[1]!.value)).toBe(true);
    expect(b!.samples.map((s) => s.timestampMs)).toEqual([3, 4, 5]);
    expect(b!.samples[0]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(b!.samples[1]!.value, -0)).toBe(true);
    expect(bitsOf(b!.samples[2]!.value)).not.toBe(STALE_NAN_BITS);
    expect(Number.isNaN(b!.samples[2]!.value)).toBe(true);
  });

  it('writes the stale marker with its exact bits', () => {
    const bytes = encodeBatch({ series: [{ labels: { __name__: 'x' }, samples: [{ timestampMs: 0, value: Number.NaN, stale: true }] }] });
    expect(bytes.readBigUInt64LE(bytes.length - 8)).toBe(STALE_NAN_BITS);
  });

  it('refuses a torn or foreign file', () => {
    const bytes = encodeBatch(batch);
    expect(() => decodeBatch(bytes.subarray(0, bytes.length - 3))).toThrow(CorruptBatchError);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => decodeBatch(flipped)).toThrow(CorruptBatchError);
    expect(() => decodeBatch(Buffer.from('hello world, not a batch'))).toThrow(CorruptBatchError);
  });
});
