// Remote-write at a fixed rate, as a Prometheus with `series` series and a 1 s scrape interval would
// send it: every second, one sample of every series, in requests of 2000 samples, `shards` in flight.
// A request is retried until 2xx (Prometheus's behaviour on 5xx); only 2xx counts as acknowledged.
// A second whose requests are not all answered within it delays the next ones, which are then sent
// at once, as Prometheus's queues do; only past MAX_BACKLOG_S behind are the missed seconds dropped.
import { compress, v1Bytes } from '../../ingester/test/remote-write-requests.ts';
import type { TestSeries } from '../../ingester/test/remote-write-requests.ts';
import { seriesLabels } from '../scenarios/remote-write-workload.ts';

export interface RemoteWriteLoad {
  sent: number;
  acked: number;
  retries: number;
  /** Seconds whose samples were not all sent within that second (the sender fell behind). */
  lateSeconds: number;
  /** Seconds never sent: the sender was more than MAX_BACKLOG_S behind. */
  droppedSeconds: number;
  latencies: number[];
  stop(): Promise<void>;
}

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
const PER_REQUEST = 2000;
export const MAX_BACKLOG_S = 30;

export function startRemoteWriteLoad(options: { url: string; series: number; shards: number; prefix: string }): RemoteWriteLoad {
  const labels = Array.from({ length: options.series }, (_, i) => seriesLabels(options.prefix, i));
  let running = true;
  const state = { sent: 0, acked: 0, retries: 0, lateSeconds: 0, droppedSeconds: 0, latencies: [] as number[] };
  const post = async (body: Buffer, samples: number) => {
    // Retries stop with the load: a stopped soak does not wait for a receiver that went away.
    for (let attempt = 0; attempt < 100 && (attempt === 0 || running); attempt++) {
      const started = performance.now();
      const status = await fetch(`${options.url}/api/v1/write`, { method: 'POST', body, headers: HEADERS, signal: AbortSignal.timeout(30_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0);
      if (status >= 200 && status < 300) {
        state.latencies.push(performance.now() - started);
        if (state.latencies.length > 100_000) state.latencies.splice(0, 50_000);
        state.acked += samples;
        return;
      }
      if (status >= 400 && status < 500) return;
      state.retries++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const loop = async () => {
    let second = Math.floor(Date.now() / 1000) * 1000;
    while (running) {
      const timestamp = second;
      const queue: { body: Buffer; samples: number }[] = [];
      for (let from = 0; from < labels.length; from += PER_REQUEST) {
        const series: TestSeries[] = labels.slice(from, from + PER_REQUEST).map((l, k) => ({ labels: l, samples: [{ value: (timestamp / 1000 + from + k) % 1e6, timestamp }] }));
        queue.push({ body: compress(v1Bytes(series)), samples: series.length });
      }
      const workers = Array.from({ length: options.shards }, async () => {
        for (let item = queue.shift(); item !== undefined && running; item = queue.shift()) {
          state.sent += item.samples;
          await post(item.body, item.samples);
        }
      });
      await Promise.all(workers);
      second += 1000;
      const wait = second - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else {
        state.lateSeconds++;
        // Far behind: skip to the current second, as a sender whose queue is full drops the oldest.
        const now = Math.floor(Date.now() / 1000) * 1000;
        if (now - second > MAX_BACKLOG_S * 1000) {
          state.droppedSeconds += (now - second) / 1000;
          second = now;
        }
      }
    }
  };
  const done = loop();
  return Object.assign(state, {
    async stop() {
      running = false;
      await done;
    },
  });
}
