import { crc32 } from 'node:zlib';
import type { WriteBatch } from '../write-batch.ts';
import { STALE_NAN_BITS } from '../write-batch.ts';

// One buffered batch on disk: "SXB1", crc32 of the rest, the JSON length, the JSON (labels,
// timestamps, metadata), then every value as a little-endian float64, bit for bit. JSON alone would
// turn NaN, ±Inf and the stale marker into null.
const MAGIC = 0x53584231;
const HEADER = 12;

interface Shape {
  series: { labels: Record<string, string>; t: number[]; stale?: number[] }[];
  metadata?: WriteBatch['metadata'];
}

/** A buffered file whose bytes are not a whole batch (a crash mid-write, or another file). */
export class CorruptBatchError extends Error {
  readonly code = 'BUFFER_CORRUPT';
}

export function encodeBatch(batch: WriteBatch): Buffer {
  const shape: Shape = { series: [] };
  let count = 0;
  for (const s of batch.series) {
    const stale: number[] = [];
    s.samples.forEach((sample, i) => {
      if (sample.stale === true) stale.push(i);
    });
    shape.series.push(stale.length > 0 ? { labels: s.labels, t: s.samples.map((x) => x.timestampMs), stale } : { labels: s.labels, t: s.samples.map((x) => x.timestampMs) });
    count += s.samples.length;
  }
  if (batch.metadata !== undefined) shape.metadata = batch.metadata;
  const json = Buffer.from(JSON.stringify(shape), 'utf8');
  const out = Buffer.alloc(HEADER + json.length + count * 8);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(json.length, 8);
  json.copy(out, HEADER);
  let at = HEADER + json.length;
  for (const s of batch.series) {
    for (const sample of s.samples) {
      if (sample.stale === true) out.writeBigUInt64LE(STALE_NAN_BITS, at);
      else out.writeDoubleLE(sample.value, at);
      at += 8;
    }
  }
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

export function decodeBatch(bytes: Buffer): WriteBatch {
  if (bytes.length < HEADER || bytes.readUInt32BE(0) !== MAGIC) throw new CorruptBatchError('not a buffered batch');
  if (crc32(bytes.subarray(8)) !== bytes.readUInt32BE(4)) throw new CorruptBatchError('checksum mismatch');
  const jsonLength = bytes.readUInt32BE(8);
  const shape = JSON.parse(bytes.toString('utf8', HEADER, HEADER + jsonLength)) as Shape;
  let at = HEADER + jsonLength;
  const batch: WriteBatch = {
    series: shape.series.map((s) => {
      const stale = new Set(s.stale ?? []);
      return {
        labels: s.labels,
        samples: s.t.map((timestampMs, i) => {
          const value = bytes.readDoubleLE(at);
          at += 8;
          return stale.has(i) ? { timestampMs, value, stale: true } : { timestampMs, value };
        }),
      };
    }),
  };
  if (at !== bytes.length) throw new CorruptBatchError('length mismatch');
  if (shape.metadata !== undefined) batch.metadata = shape.metadata;
  return batch;
}
