// Many simulated node_exporters in one process: one node:http handler listening on `count` loopback
// ports, each answering a real node_exporter 1.5 body (507 samples) with its counters moved on every
// scrape. Records, per port, when it was scraped, so the soak can see the scrape intervals it got.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const BODY = readFileSync(path.resolve(import.meta.dirname, '../../packages/exposition/testdata/text/node-exporter-1.5.prom'), 'utf8');
// Counter lines (`_total`) get a value that moves; everything else is served as recorded.
const PARTS = BODY.split('\n').map((line) => {
  const m = /^(\w+_total(?:\{[^}]*\})?) (\S+)$/.exec(line);
  return m === null ? { text: line } : { text: `${m[1]!} `, base: Number(m[2]) };
});

export interface SimulatedExporters {
  /** `127.0.0.1:<port>` of each exporter. */
  targets: string[];
  scrapes: number;
  /** Gaps between consecutive scrapes of the same exporter, in ms, ending at or after `measureFrom` (bounded: the latest 200 000). */
  gaps: number[];
  /** Epoch ms from which gaps are recorded (the end of the warm-up); 0 = from the start. */
  measureFrom: number;
  close(): Promise<void>;
}

export async function startSimulatedExporters(count: number): Promise<SimulatedExporters> {
  const servers: Server[] = [];
  const last = new Map<number, number>();
  const state: SimulatedExporters = {
    targets: [],
    scrapes: 0,
    gaps: [],
    measureFrom: 0,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      })));
    },
  };
  const handler = (port: number) => (_req: unknown, res: ServerResponse) => {
    const now = Date.now();
    const before = last.get(port);
    if (before !== undefined && now >= state.measureFrom) {
      state.gaps.push(now - before);
      if (state.gaps.length > 200_000) state.gaps.splice(0, 100_000);
    }
    last.set(port, now);
    state.scrapes++;
    const tick = now / 1000;
    const body = PARTS.map((p) => (p.base === undefined ? p.text : `${p.text}${(p.base + tick).toFixed(3)}`)).join('\n');
    res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(body);
  };
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    server.on('request', handler(port));
    servers.push(server);
    state.targets.push(`127.0.0.1:${port}`);
  }
  return state;
}
