// Builds snappy-compressed remote-write requests for tests and the bench, from the receiver's own
// .proto files loaded into a separate protobufjs root (the receiver's root has a custom Sample decoder).
import path from 'node:path';
import protobuf from 'protobufjs';
import snappy from 'snappy';
import { STALE_NAN_BITS } from '../src/index.ts';

const root = new protobuf.Root();
root.loadSync(
  ['remote-write-v1.proto', 'remote-write-v2.proto'].map((f) => path.join(import.meta.dirname, '../src/remote-write', f)),
  { keepCase: true },
);
root.resolveAll();
const V1 = root.lookupType('prometheus.WriteRequest');
const V2 = root.lookupType('io.prometheus.write.v2.Request');

/** A value the encoder writes as an ordinary double and `markStale` then turns into the stale marker. */
export const STALE_SENTINEL = 1.25e-300;

export const V1_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
export const V2_HEADERS = {
  'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '2.0.0',
};

export interface TestSeries {
  labels: Record<string, string>;
  /** Label pairs as sent, when they must be malformed (a repeated name, say); replaces `labels`. */
  labelPairs?: [string, string][];
  /** 2.0 only: labels_refs as sent, replacing `labels` (to send refs outside the symbols table). */
  labelRefs?: number[];
  samples?: { value: number; timestamp: number; start_timestamp?: number }[];
  exemplars?: { labels: Record<string, string>; value: number; timestamp: number }[];
  histograms?: Record<string, unknown>[];
  metadata?: { type: number; help?: string; unit?: string };
}

// Replaces every little-endian occurrence of STALE_SENTINEL with the stale marker's bits.
function markStale(body: Uint8Array): Buffer {
  const out = Buffer.from(body);
  const needle = Buffer.alloc(8);
  needle.writeDoubleLE(STALE_SENTINEL);
  const marker = Buffer.alloc(8);
  marker.writeBigUInt64LE(STALE_NAN_BITS);
  for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + 8)) marker.copy(out, at);
  return out;
}

/** The protobuf bytes (uncompressed) of a 1.0 WriteRequest. */
export function v1Bytes(series: TestSeries[], metadata: { type: number; metric_family_name: string; help?: string; unit?: string }[] = []): Buffer {
  const message = {
    timeseries: series.map((s) => ({
      labels: (s.labelPairs ?? Object.entries(s.labels)).map(([name, value]) => ({ name, value })),
      samples: s.samples ?? [],
      exemplars: (s.exemplars ?? []).map((e) => ({ ...e, labels: Object.entries(e.labels).map(([name, value]) => ({ name, value })) })),
      histograms: s.histograms ?? [],
    })),
    metadata,
  };
  return markStale(V1.encode(V1.fromObject(message)).finish());
}

/** The protobuf bytes (uncompressed) of a 2.0 Request, with its symbols table built here. */
export function v2Bytes(series: TestSeries[], options: { symbols?: string[] } = {}): Buffer {
  const symbols = options.symbols ?? [''];
  const index = new Map(symbols.map((s, i) => [s, i]));
  const ref = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const refs = (labels: Record<string, string>) => Object.entries(labels).flatMap(([n, v]) => [ref(n), ref(v)]);
  const timeseries = series.map((s) => ({
    labels_refs: s.labelRefs ?? refs(s.labels),
    samples: s.samples ?? [],
    exemplars: (s.exemplars ?? []).map((e) => ({ labels_refs: refs(e.labels), value: e.value, timestamp: e.timestamp })),
    histograms: s.histograms ?? [],
    metadata: s.metadata === undefined ? undefined : { type: s.metadata.type, help_ref: ref(s.metadata.help ?? ''), unit_ref: ref(s.metadata.unit ?? '') },
  }));
  return markStale(V2.encode(V2.fromObject({ symbols, timeseries })).finish());
}

/** Snappy block compression, as remote-write senders do. */
export function compress(bytes: Uint8Array): Buffer {
  return snappy.compressSync(Buffer.from(bytes));
}

/** Posts a body to a receiver and answers status, the three *-Written headers and the body text. */
export async function post(url: string, body: Uint8Array, headers: Record<string, string>) {
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', body, headers });
  return {
    status: res.status,
    text: await res.text(),
    samples: res.headers.get('x-prometheus-remote-write-samples-written'),
    histograms: res.headers.get('x-prometheus-remote-write-histograms-written'),
    exemplars: res.headers.get('x-prometheus-remote-write-exemplars-written'),
    headers: res.headers,
  };
}
