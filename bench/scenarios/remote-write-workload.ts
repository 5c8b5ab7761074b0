// Pre-encoded remote-write 1.0 requests shaped like Prometheus's own sending: each shard owns a
// fixed set of series and sends its requests one after another, each with up to 2000 samples
// (`max_samples_per_send`) holding one sample per series, so per-series order is kept.
import { compress, v1Bytes } from '../../ingester/test/remote-write-requests.ts';
import type { TestSeries } from '../../ingester/test/remote-write-requests.ts';

export interface Workload {
  /** Requests per shard, in the order that shard sends them. */
  shards: Buffer[][];
  samples: number;
  series: number;
}

export interface WorkloadOptions {
  /** Distinct series (label sets). */
  series: number;
  /** Samples per series, `stepMs` apart. */
  steps: number;
  firstMs: number;
  stepMs: number;
  shards: number;
  /** Metric-name prefix, so workloads never share series. */
  prefix: string;
  perRequest?: number;
}

// Mulberry32: a small seeded PRNG, so every run sends the same values.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODES = ['user', 'system', 'idle', 'iowait', 'steal'];

/** Labels of series `i`: node_exporter-like names, 100 metrics per host, 4 labels besides the name. */
export function seriesLabels(prefix: string, i: number): Record<string, string> {
  return {
    __name__: `${prefix}_metric_${i % 100}${i % 2 === 0 ? '_total' : ''}`,
    instance: `host-${Math.floor(i / 100)}.example.net:9100`,
    job: 'node',
    mode: MODES[i % MODES.length]!,
  };
}

/**
 * Values in the mix node_exporter 1.5 showed on this host between two scrapes 15 s apart (507
 * series): 73 % unchanged, 14 % moved by whole numbers (byte and packet counters), 13 % by fractions
 * (CPU seconds, load, temperatures). Series `i` takes its kind from `i % 100`, so every workload
 * keeps the mix; the values compress as real ones would.
 */
export function seriesValues(i: number, steps: number): number[] {
  const next = random(i + 1);
  const kind = i % 100;
  const values: number[] = [];
  let v = kind < 73 ? Math.floor(next() * 1e9) : kind < 87 ? Math.floor(next() * 1e6) : Math.round(next() * 10_000) / 100;
  for (let k = 0; k < steps; k++) {
    if (kind >= 73 && kind < 87) v += Math.floor(next() * 5000);
    else if (kind >= 87) v = Math.round((v + (next() - 0.3) * 2) * 100) / 100;
    values.push(v);
  }
  return values;
}

/** Encodes the workload: per shard, per step, its series in requests of at most `perRequest`. */
export function buildWorkload(options: WorkloadOptions): Workload {
  const perRequest = options.perRequest ?? 2000;
  const labels = Array.from({ length: options.series }, (_, i) => seriesLabels(options.prefix, i));
  const values = Array.from({ length: options.series }, (_, i) => seriesValues(i, options.steps));
  const shards: Buffer[][] = Array.from({ length: options.shards }, () => []);
  for (let s = 0; s < options.shards; s++) {
    const owned = labels.map((_, i) => i).filter((i) => i % options.shards === s);
    for (let k = 0; k < options.steps; k++) {
      const timestamp = options.firstMs + k * options.stepMs;
      for (let from = 0; from < owned.length; from += perRequest) {
        const series: TestSeries[] = owned.slice(from, from + perRequest).map((i) => ({ labels: labels[i]!, samples: [{ value: values[i]![k]!, timestamp }] }));
        shards[s]!.push(compress(v1Bytes(series)));
      }
    }
  }
  return { shards, samples: options.series * options.steps, series: options.series };
}
