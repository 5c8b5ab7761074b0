// A remote-write sender that behaves like Prometheus's queue manager: each request is retried (same
// bytes) until the receiver answers 2xx or 4xx, and only a 2xx counts as acknowledged. It keeps the
// acknowledged (series, time) pairs so a test can check each is stored exactly once.
import { compress, v1Bytes } from '../../ingester/test/remote-write-requests.ts';

export interface AckedWriterOptions {
  /** Receiver base URL, e.g. http://127.0.0.1:9201. */
  url: () => string;
  /** Metric name of every series; series differ by their `n` label. */
  metric: string;
  series: number;
  /** Requests in flight at once (Prometheus's shards). */
  shards: number;
  headers?: Record<string, string>;
  /** Pause between requests of one shard, ms; default 20. */
  pauseMs?: number;
}

export interface AckedWriter {
  /** Samples acknowledged with a 2xx. */
  readonly acked: number;
  /** Samples sent, retries counted once. */
  readonly sent: number;
  /** Attempts answered 5xx or not answered at all (connection refused or cut). */
  readonly failedAttempts: number;
  /** Requests refused with a 4xx (never retried). */
  readonly refused: number;
  /** Every acknowledged sample as `<n>@<ms>` (n = the series' `n` label). */
  readonly ackedKeys: string[];
  /** Stops after the requests in flight are acknowledged (or 60 s). */
  stop(): Promise<void>;
}

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };

/** Starts `shards` loops; each request holds one sample of each of its shard's series at a new time. */
export function startAckedWriter(options: AckedWriterOptions): AckedWriter {
  let running = true;
  const state = { acked: 0, sent: 0, failedAttempts: 0, refused: 0 };
  const ackedKeys: string[] = [];
  const deadline = () => (running ? Number.POSITIVE_INFINITY : Date.now() + 60_000);
  const shard = async (index: number) => {
    // Times 1 ms apart from ten minutes ago: unique per series, never ahead of the clock in a bounded run.
    let t = Date.now() - 600_000;
    while (running) {
      t += 1;
      const series = [];
      for (let n = index; n < options.series; n += options.shards) series.push({ labels: { __name__: options.metric, n: String(n) }, samples: [{ value: t / 1000, timestamp: t }] });
      const body = compress(v1Bytes(series));
      state.sent += series.length;
      const stopBy = deadline();
      for (let attempt = 0; attempt < 10_000 && Date.now() < stopBy; attempt++) {
        const status = await fetch(`${options.url()}/api/v1/write`, { method: 'POST', body, headers: { ...HEADERS, ...options.headers }, signal: AbortSignal.timeout(10_000) })
          .then(async (res) => {
            await res.arrayBuffer();
            return res.status;
          })
          .catch(() => 0);
        if (status >= 200 && status < 300) {
          state.acked += series.length;
          for (const s of series) ackedKeys.push(`${s.labels.n}@${t}`);
          break;
        }
        if (status >= 400 && status < 500) {
          state.refused++;
          break;
        }
        state.failedAttempts++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 20));
    }
  };
  const loops = Array.from({ length: options.shards }, (_, i) => shard(i));
  return {
    get acked() {
      return state.acked;
    },
    get sent() {
      return state.sent;
    },
    get failedAttempts() {
      return state.failedAttempts;
    },
    ackedKeys,
    get refused() {
      return state.refused;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
