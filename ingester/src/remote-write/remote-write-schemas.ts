import path from 'node:path';
import protobuf from 'protobufjs';
import type { Sample } from '../write-batch.ts';
import { STALE_NAN_BITS } from '../write-batch.ts';
import { KnownLabelSets } from './known-label-sets.ts';
import { addLabel, newLabelSetReader } from './series-labels.ts';
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

// A DataView of the request body being decoded, made once per body: reading four bytes at a time
// through it is what makes hashing and comparing label bytes cheap. A new body also ends the run of
// series whose successors are predicted (`previousEntry`, below).
let viewedBody: Uint8Array | undefined;
let bodyView: DataView | undefined;
function viewOf(buf: Uint8Array): DataView {
  if (buf !== viewedBody) {
    viewedBody = buf;
    bodyView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    previousEntry = -1;
  }
  return bodyView!;
}

// Two 32-bit multiplicative hashes over four bytes at a time, joined into 53 bits (exact in a JS number).
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  const view = viewOf(buf);
  let a = 0x811c9dc5 ^ (end - start);
  let b = 0x050c5d1f;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const k = view.getUint32(i, true);
    a = Math.imul(a ^ k, 0x01000193);
    a ^= a >>> 15;
    b = Math.imul(b ^ k, 0x5bd1e995);
    b ^= b >>> 13;
  }
  for (; i < end; i++) {
    a = Math.imul(a ^ buf[i]!, 0x01000193);
    b = Math.imul(b ^ buf[i]!, 0x5bd1e995);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  return ((a ^ (a >>> 13)) >>> 0) * 0x20_0000 + (((b ^ (b >>> 13)) >>> 0) & 0x1f_ffff);
}

// The end of the run of label fields starting at `start` (tag, length, bytes each), or -1 when a
// length is malformed or runs past `end` (the regular decoder then reports it).
function labelRunEnd(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end && buf[p] === TAG_LABEL) {
    let length = 0;
    let shift = 0;
    let byte = 0x80;
    for (p++; byte >= 0x80; p++) {
      if (p >= end || shift > 28) return -1;
      byte = buf[p]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    p += length;
  }
  return p <= end ? p : -1;
}

/** Label sets met before (see known-label-sets.ts); their labels objects are shared by every series
 * with those bytes, so nothing downstream modifies a label set in place. */
const known = new KnownLabelSets();
/** The known entry of the series before, in the body being decoded; -1 for none. */
let previousEntry = -1;

// A private copy of a shared label set, for a series whose labels continue after its first run.
function unshare(series: DecodedSeriesV1): void {
  const reader = newLabelSetReader();
  for (const name of Object.keys(series.labels)) addLabel(reader, name, series.labels[name]!);
  series.labels = reader.labels;
  series.empty = series.empty?.slice();
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
  let labelsHash = 0;
  let runRead = false;
  let contiguous = true;
  let shared = false;
  while (r.pos < end) {
    const fieldStart = r.pos;
    if (labelsStart < 0 && r.buf[fieldStart] === TAG_LABEL) {
      const runEnd = labelRunEnd(r.buf, fieldStart, end);
      if (runEnd > fieldStart) {
        labelsStart = fieldStart;
        labelsEnd = runEnd;
        runRead = true;
        const view = viewOf(r.buf);
        const previous = previousEntry;
        let entry = known.successor(previous);
        if (entry < 0 || !known.equals(entry, view, r.buf, fieldStart, runEnd)) {
          const hash = hashBytes(r.buf, fieldStart, runEnd);
          entry = known.byHash(hash);
          if (entry < 0 || !known.equals(entry, view, r.buf, fieldStart, runEnd)) {
            while (r.pos < runEnd) {
              r.uint32();
              const size = r.uint32();
              decodeLabel(r, r.pos + size, series);
            }
            labelsHash = hash;
            previousEntry = -1;
            if (series.problem !== undefined) continue;
            entry = known.add(hash, view, r.buf, fieldStart, runEnd, series.labels, series.empty);
          }
          known.link(previous, entry);
        }
        series.labels = known.labels(entry);
        series.empty = known.empty(entry);
        labelsHash = known.hash(entry);
        previousEntry = entry;
        r.pos = runEnd;
        shared = true;
        continue;
      }
    }
    const tag = r.uint32();
    if (tag === TAG_LABEL || tag === TAG_SAMPLE) {
      const size = r.uint32();
      if (r.pos + size > end) throw new RangeError('index out of range');
      if (tag === TAG_LABEL) {
        if (labelsStart < 0) labelsStart = fieldStart;
        else if (labelsEnd !== fieldStart) contiguous = false;
        if (shared) {
          unshare(series);
          shared = false;
        }
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
  // Labels still contiguous after a run was read as one: they are that run, hashed already.
  if (contiguous && labelsStart >= 0) series.labelsHash = runRead ? labelsHash : hashBytes(r.buf, labelsStart, labelsEnd);
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
