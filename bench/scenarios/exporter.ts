import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild, waitForHttp } from '@sextant/testkit/process';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS, startNodeExporter } from '../../exporter/test/peers.ts';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';
import { cpuSeconds } from '../cpu-seconds.ts';
import { SEXTANT_NODE_FLAGS } from '../reliability/sextant-process.ts';
import { quantile } from '../quantile.ts';

// Scrapes per exporter and format; with the warm-up, 2 × (280 + 10) = 580 scrapes per exporter.
const SCRAPES = 280;
const WARMUP = 10;
const DEADLINE_MS = 80_000;

interface Format {
  /** Appended to the latency rows' names; '' keeps the original rows' names. */
  suffix: string;
  headers: Record<string, string>;
  /** The content type both exporters must answer, when they must agree. */
  expect?: string;
}

const FORMATS: readonly Format[] = [
  // What Prometheus 2.42 sends (compat §1.1), so both answer the format a real scrape gets:
  // OpenMetrics from Sextant, text 0.0.4 from node_exporter 1.5 (which does not negotiate it).
  {
    suffix: '',
    headers: {
      accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'accept-encoding': 'gzip',
    },
  },
  // Like for like: both serve text 0.0.4.
  {
    suffix: ' (text 0.0.4)',
    headers: { accept: 'text/plain;version=0.0.4', 'accept-encoding': 'gzip' },
    expect: 'text/plain; version=0.0.4',
  },
];
// V8 settings for a small agent; the systemd unit sets the same NODE_OPTIONS. One V8 worker thread
// and a size-optimized heap cost nothing measurable in latency here and save ~4 MiB each.
export const EXPORTER_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=48', '--v8-pool-size=1', '--optimize-for-size'];
// The rest of the unit's Environment=: glibc arenas (one per thread by default, each keeping its
// freed pages) capped at 2 saves ~6 MiB; NODE_COMPILE_CACHE is set per run below.
const EXPORTER_ENV = { MALLOC_ARENA_MAX: '2' };

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

// Proportional set size: shared pages (Node's 120 MB binary is mapped by every node process,
// this bench's own included) count divided by the number of processes mapping them.
function pssMiB(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

async function startSextant(signal: AbortSignal, compileCache: string): Promise<{ url: string; child: ChildProcess }> {
  const main = path.join(import.meta.dirname, 'exporter-main.ts');
  const child = spawn(process.execPath, [...SEXTANT_NODE_FLAGS, ...EXPORTER_NODE_FLAGS, main], {
    env: { ...process.env, ...EXPORTER_ENV, NODE_COMPILE_CACHE: compileCache, EXPORTER_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
    signal,
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('exporter did not start within 20 s')), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`exporter exited with ${code}`)));
  });
  await waitForHttp(`${url}/healthz`);
  return { url, child };
}

async function scrape(url: string, format: Format): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/metrics`, { headers: format.headers });
  await res.arrayBuffer();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (format.expect !== undefined && !type.startsWith(format.expect)) throw new Error(`${url} answered ${type}`);
  return elapsed;
}

/** /metrics latency, CPU per scrape and RSS of Sextant's exporter beside node_exporter, scraped alternately. */
export const exporterScenario: Scenario = {
  name: 'exporter',
  description: `/metrics of the Sextant exporter vs node_exporter on this host, ${SCRAPES} alternating scrapes each per format`,
  async run({ signal, log }): Promise<ScenarioResult | null> {
    if (NODE_EXPORTER === undefined) {
      log('node_exporter not installed');
      return null;
    }
    const { url: peerUrl, child: peer } = await startNodeExporter(NODE_EXPORTER_UPSTREAM_ARGS);
    let sextant: { url: string; child: ChildProcess } | undefined;
    const compileCache = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-compile-cache-'));
    try {
      // One start to fill the compile cache, as the unit's first start does: later starts then
      // load stripped TypeScript and V8 code from it and never load the type stripper (~17 MiB).
      await stopChild((await startSextant(signal, compileCache)).child);
      sextant = await startSextant(signal, compileCache);
      const targets = [
        { url: sextant.url, pid: sextant.child.pid!, lat: FORMATS.map(() => [] as number[]), cpu: 0 },
        { url: peerUrl, pid: peer.pid!, lat: FORMATS.map(() => [] as number[]), cpu: 0 },
      ];
      for (let i = 0; i < WARMUP; i++) for (const t of targets) for (const f of FORMATS) await scrape(t.url, f);
      for (const t of targets) t.cpu = -cpuSeconds(t.pid);
      const deadline = Date.now() + DEADLINE_MS;
      for (let i = 0; i < SCRAPES && Date.now() < deadline && !signal.aborted; i++) {
        // Alternate who goes first, and which format, so neither always scrapes a cache-warm kernel.
        const order = i % 2 === 0 ? targets : [...targets].reverse();
        const formats = FORMATS.map((f, k) => ({ f, k }));
        if (Math.floor(i / 2) % 2 === 1) formats.reverse();
        for (const { f, k } of formats) for (const t of order) t.lat[k]!.push(await scrape(t.url, f));
      }
      for (const t of targets) t.cpu += cpuSeconds(t.pid);
      const [s, p] = targets as [(typeof targets)[0], (typeof targets)[0]];
      const measured = s.lat[0]!.length;
      if (measured < 200) throw new Error(`only ${measured} scrapes per format within the time budget`);
      const latency = FORMATS.flatMap((f, k): Measurement[] => {
        const ss = [...s.lat[k]!].sort((a, b) => a - b);
        const ps = [...p.lat[k]!].sort((a, b) => a - b);
        return [
          { metric: `/metrics latency p50${f.suffix}`, unit: 'ms', sextant: quantile(ss, 0.5), peer: quantile(ps, 0.5), better: 'lower', targetRatio: 1 },
          { metric: `/metrics latency p99${f.suffix}`, unit: 'ms', sextant: quantile(ss, 0.99), peer: quantile(ps, 0.99), better: 'lower' },
        ];
      });
      const scrapes = measured * FORMATS.length;
      const measurements: Measurement[] = [
        ...latency,
        { metric: 'CPU per scrape', unit: 's/scrape', sextant: s.cpu / scrapes, peer: p.cpu / scrapes, better: 'lower' },
        { metric: 'RSS after the run', unit: 'MiB', sextant: rssMiB(s.pid), peer: rssMiB(p.pid), better: 'lower', targetRatio: 2 },
        { metric: 'PSS after the run', unit: 'MiB', sextant: pssMiB(s.pid), peer: pssMiB(p.pid), better: 'lower' },
      ];
      const version = /version ([\d.]+)/.exec(spawnSync(NODE_EXPORTER, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
      return {
        peer: `node_exporter ${version ?? '(Debian)'}`,
        method: `Both on this host, node_exporter with upstream default exclusions (same devices and mounts as Sextant); ${measured} scrapes each per format after ${WARMUP} warm-up, alternating exporters and formats, all with gzip. Plain latency rows: Prometheus 2.42's Accept (Sextant answers OpenMetrics, node_exporter 1.5 text 0.0.4); "(text 0.0.4)" rows: \`Accept: text/plain;version=0.0.4\`, both answer text. CPU per scrape over all measured scrapes of both formats, from /proc/<pid>/stat; RSS = VmRSS and PSS = Pss of /proc/<pid>/smaps_rollup at the end. Sextant runs as \`${Object.entries(EXPORTER_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node ${[...SEXTANT_NODE_FLAGS, ...EXPORTER_NODE_FLAGS].join(' ')}\` on TypeScript sources with a warm NODE_COMPILE_CACHE (its second start), as the systemd unit runs it.`,
        measurements,
      };
    } finally {
      await stopChild(sextant?.child);
      await stopChild(peer);
      await rm(compileCache, { recursive: true, force: true });
    }
  },
};
