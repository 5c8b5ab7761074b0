import path from 'node:path';
import protobuf from 'protobufjs';
import type { Sample } from '../write-batch.ts';
import { STALE_NAN_BITS } from '../write-batch.ts';
import { addLabel } from './series-labels.ts';
import type { LabelSetReader } from './series-labels.ts';
import { createStringInterner } from './string-interner.ts';

/**
 * A 1.0 `TimeSeries` as the receiver decodes it: its labels with the first problem found in them
 * (a `LabelSetReader`), samples, and exemplars and histograms only counted. A valid one goes into
 * the batch as it is (it is a `SeriesSamples`), so decoding makes no second object per series.
 */
export interface DecodedSeriesV1 extends LabelSetReader {
  /** A 53-bit hash of the label fields' bytes when they are contiguous (they always are from
   * Prometheus), for the writer's series cache. */
  labelsHash: number | undefined;
  samples: Sample[];
  exemplars: number;
  histograms: number;
}

/** The message types the receiver decodes. */
export interface RemoteWriteSchemas {
  v1: protobuf.Type;
  v2: protobuf.Type;
}

const STALE_HIGH = Number(STALE_NAN_BITS >> 32n);
const STALE_LOW = Number(STALE_NAN_BITS & 0xffff_ffffn);
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
const TAG_VALUE = (1 << 3) | 1; // field 1, fixed64
const TAG_TIMESTAMP = (2 << 3) | 0; // field 2, varint
const TAG_LABEL = (1 << 3) | 2; // TimeSeries.labels, and Label.name: field 1, length-delimited
const TAG_SAMPLE = (2 << 3) | 2; // TimeSeries.samples, and Label.value: field 2, length-delimited
const TAG_EXEMPLAR = (3 << 3) | 2;
const TAG_HISTOGRAM = (4 << 3) | 2;

// An int64 varint as a number (exact below 2^53, which covers any ms timestamp); protobufjs would
// give a Long object per sample.
function readInt64(r: protobuf.Reader): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new RangeError('index out of range');
    const byte = r.buf[r.pos++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result >= TWO_63 ? result - TWO_64 : result;
    scale *= 128;
  }
  throw new Error('invalid varint encoding');
}

// Replaces the generated decoder of `Sample` (same wire format, both versions): JS may quieten a
// NaN's payload once it is a number, so the stale marker is recognised from its bytes here.
function decodeSample(r: protobuf.Reader, length: number): Sample {
  const end = r.pos + length;
  if (end > r.len) throw new RangeError('index out of range');
  const sample: Sample = { timestampMs: 0, value: 0, stale: false };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG_VALUE) {
      if (r.pos + 8 > end) throw new RangeError('index out of range');
      const b = r.buf;
      const p = r.pos;
      const low = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      const high = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
      sample.stale = high === STALE_HIGH && low === STALE_LOW;
      sample.value = r.double();
    } else if (tag === TAG_TIMESTAMP) {
      sample.timestampMs = readInt64(r);
    } else {
      r.skipType(tag & 7);
    }
  }
  if (r.pos !== end) throw new RangeError('sample overruns its length');
  return sample;
}

const readString = createStringInterner();

// Two FNV-1a variants in one pass, joined into 53 bits (exact in a JS number).
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x20_0000 + ((b >>> 0) & 0x1f_ffff);
}

function decodeLabel(r: protobuf.Reader, end: number, series: DecodedSeriesV1): void {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG_LABEL) name = readString(r);
    else if (tag === TAG_SAMPLE) value = readString(r);
    else r.skipType(tag & 7);
  }
  if (r.pos !== end) throw new RangeError('label overruns its length');
  addLabel(series, name, value);
}

// Replaces the generated decoder of the 1.0 `TimeSeries`, the hot path of every Prometheus sender:
// no message objects per label, exemplars and histograms skipped (the receiver only counts them).
function decodeSeriesV1(r: protobuf.Reader, length: number): DecodedSeriesV1 {
  const end = r.pos + length;
  if (end > r.len) throw new RangeError('index out of range');
  const series: DecodedSeriesV1 = { labels: {}, problem: undefined, empty: undefined, labelsHash: undefined, samples: [], exemplars: 0, histograms: 0 };
  let labelsStart = -1;
  let labelsEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const fieldStart = r.pos;
    const tag = r.uint32();
    if (tag === TAG_LABEL || tag === TAG_SAMPLE) {
      const size = r.uint32();
      if (r.pos + size > end) throw new RangeError('index out of range');
      if (tag === TAG_LABEL) {
        if (labelsStart < 0) labelsStart = fieldStart;
        else if (labelsEnd !== fieldStart) contiguous = false;
        decodeLabel(r, r.pos + size, series);
        labelsEnd = r.pos;
      } else {
        series.samples.push(decodeSample(r, size));
      }
    } else if (tag === TAG_EXEMPLAR || tag === TAG_HISTOGRAM) {
      if (tag === TAG_EXEMPLAR) series.exemplars++;
      else series.histograms++;
      r.skipType(2);
    } else {
      r.skipType(tag & 7);
    }
  }
  if (r.pos !== end) throw new RangeError('series overruns its length');
  if (contiguous && labelsStart >= 0) series.labelsHash = hashBytes(r.buf, labelsStart, labelsEnd);
  return series;
}

let loaded: RemoteWriteSchemas | undefined;

/** The remote-write 1.0 and 2.0 request types, loaded once from the .proto files beside this module. */
export function remoteWriteSchemas(): RemoteWriteSchemas {
  if (loaded !== undefined) return loaded;
  const root = new protobuf.Root();
  root.loadSync([path.join(import.meta.dirname, 'remote-write-v1.proto'), path.join(import.meta.dirname, 'remote-write-v2.proto')], { keepCase: true });
  root.resolveAll();
  const custom: [string, (r: protobuf.Reader, length: number) => unknown][] = [
    ['prometheus.Sample', decodeSample],
    ['io.prometheus.write.v2.Sample', decodeSample],
    ['prometheus.TimeSeries', decodeSeriesV1],
  ];
  for (const [name, decode] of custom) {
    const type = root.lookupType(name);
    // setup() generates every codec and would overwrite `decode` if it ran later (on a first encode).
    type.setup();
    type.decode = decode as unknown as protobuf.Type['decode'];
  }
  loaded = { v1: root.lookupType('prometheus.WriteRequest'), v2: root.lookupType('io.prometheus.write.v2.Request') };
  return loaded;
}
