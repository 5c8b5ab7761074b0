import type { MetricMetadata, SeriesSamples, WriteBatch } from '../write-batch.ts';
import type { Sample } from '../write-batch.ts';
import type { DecodedSeriesV1 } from './remote-write-schemas.ts';
import { remoteWriteSchemas } from './remote-write-schemas.ts';
import { RemoteWriteError } from './remote-write-error.ts';
import { describeLabels, describeSeries, finishLabels, seriesLabels } from './series-labels.ts';

/** Which remote-write message a request carries, chosen by its Content-Type (compat §2.7). */
export type RemoteWriteVersion = 'v1' | 'v2';

/** A decoded request: the valid part as a batch, and what was wrong with the rest. */
export interface DecodedWrite {
  batch: WriteBatch;
  /** Samples in `batch`. */
  samples: number;
  /** One line per refused series or item (at most 10), for the 400 body. */
  problems: string[];
  /** How many series (or items) were refused in all. */
  refused: number;
}

interface V1Request {
  timeseries?: DecodedSeriesV1[];
  metadata?: { type?: number; metric_family_name?: string; help?: string; unit?: string }[];
}
interface V2Request {
  symbols?: string[];
  timeseries?: {
    labels_refs?: number[];
    samples?: Sample[];
    histograms?: unknown[];
    exemplars?: unknown[];
    metadata?: { type?: number; help_ref?: number; unit_ref?: number } | null;
  }[];
}

// Metric types by enum number, the same in both versions (`UNKNOWN` / `METRIC_TYPE_UNSPECIFIED` = 0).
const TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];
const MAX_PROBLEMS = 10;

class Problems {
  readonly lines: string[] = [];
  count = 0;
  add(line: string): void {
    if (this.count++ < MAX_PROBLEMS) this.lines.push(line);
  }
}

/** Decodes a decompressed request body; throws a 400 `RemoteWriteError` when it is not protobuf. */
export function decodeWriteRequest(body: Uint8Array, version: RemoteWriteVersion): DecodedWrite {
  const schemas = remoteWriteSchemas();
  let message: unknown;
  try {
    message = (version === 'v1' ? schemas.v1 : schemas.v2).decode(body);
  } catch (err) {
    throw new RemoteWriteError('RW_BAD_DATA', `cannot decode the protobuf body as ${version === 'v1' ? 'prometheus.WriteRequest' : 'io.prometheus.write.v2.Request'}: ${(err as Error).message}`, { cause: err });
  }
  return version === 'v1' ? fromV1(message as V1Request) : fromV2(message as V2Request);
}

function pushSeries(out: SeriesSamples[], labels: SeriesSamples['labels'], samples: Sample[] | undefined): number {
  if (samples === undefined || samples.length === 0) return 0;
  out.push({ labels, samples });
  return samples.length;
}

// 1.0: exemplars are ignored, as Prometheus's own receiver does without exemplar storage; native
// histograms are refused (400), since Sextant stores float samples only.
function fromV1(request: V1Request): DecodedWrite {
  const series: SeriesSamples[] = [];
  const problems = new Problems();
  let samples = 0;
  for (const ts of request.timeseries ?? []) {
    const labels = finishLabels(ts);
    if (typeof labels === 'string') {
      problems.add(`${labels}: ${describeLabels(ts.labels)}`);
      continue;
    }
    if (ts.histograms > 0) problems.add(`native histograms are not stored: ${describeLabels(labels)}`);
    if (ts.samples.length === 0) continue;
    series.push(ts);
    samples += ts.samples.length;
  }
  const metadata: MetricMetadata[] = (request.metadata ?? []).map((m) => ({
    family: m.metric_family_name ?? '',
    type: TYPES[m.type ?? 0] ?? 'unknown',
    help: m.help ?? '',
    unit: m.unit ?? '',
  }));
  return { batch: { series, metadata }, samples, problems: problems.lines, refused: problems.count };
}

// 2.0 (compat §2.7): labels and metadata text come from the symbols table. Native histograms and
// exemplars are refused (400; the series' samples are still written, a partial write the spec allows).
function fromV2(request: V2Request): DecodedWrite {
  const symbols = request.symbols ?? [];
  if (symbols.length > 0 && symbols[0] !== '') throw new RemoteWriteError('RW_BAD_DATA', 'symbols[0] must be the empty string');
  const series: SeriesSamples[] = [];
  const metadata: MetricMetadata[] = [];
  const problems = new Problems();
  let samples = 0;
  const symbol = (ref: number | undefined): string | undefined => (ref === undefined ? '' : symbols[ref]);
  for (const ts of request.timeseries ?? []) {
    const refs = ts.labels_refs ?? [];
    const names: string[] = [];
    const values: string[] = [];
    let bad: string | undefined = refs.length % 2 === 0 ? undefined : 'labels_refs has an odd length';
    for (let i = 0; bad === undefined && i < refs.length; i += 2) {
      const name = symbols[refs[i]!];
      const value = symbols[refs[i + 1]!];
      if (name === undefined || value === undefined) bad = `labels_refs points outside the ${symbols.length} symbols`;
      else {
        names.push(name);
        values.push(value);
      }
    }
    const labels = bad ?? seriesLabels(names, values);
    if (typeof labels === 'string') {
      problems.add(`${labels}: ${describeSeries(names, values)}`);
      continue;
    }
    const hasSamples = (ts.samples?.length ?? 0) > 0;
    const hasHistograms = (ts.histograms?.length ?? 0) > 0;
    if (hasSamples && hasHistograms) {
      problems.add(`a series has both samples and histograms: ${describeSeries(names, values)}`);
      continue;
    }
    if (ts.metadata !== undefined && ts.metadata !== null) {
      const help = symbol(ts.metadata.help_ref);
      const unit = symbol(ts.metadata.unit_ref);
      if (help === undefined || unit === undefined) {
        problems.add(`metadata points outside the ${symbols.length} symbols: ${describeSeries(names, values)}`);
        continue;
      }
      metadata.push({ family: labels.__name__!, type: TYPES[ts.metadata.type ?? 0] ?? 'unknown', help, unit });
    }
    if (hasHistograms) problems.add(`native histograms are not stored: ${describeSeries(names, values)}`);
    else if (!hasSamples) problems.add(`a series has neither samples nor histograms: ${describeSeries(names, values)}`);
    if ((ts.exemplars?.length ?? 0) > 0) problems.add(`exemplars are not stored (the samples are): ${describeSeries(names, values)}`);
    samples += pushSeries(series, labels, ts.samples);
  }
  return { batch: { series, metadata }, samples, problems: problems.lines, refused: problems.count };
}
