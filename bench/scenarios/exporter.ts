import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, stopChild, waitForHttp } from '@sextant/testkit/process';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS } from '../../exporter/test/peers.ts';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';

const SCRAPES = 300;
const WARMUP = 20;
// What Prometheus 2.42 sends (compat §1.1), so both answer the format a real scrape gets.
const HEADERS = {
  accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
};
// V8 settings for a small agent; the systemd unit sets the same NODE_OPTIONS. One V8 worker thread
// and a size-optimized heap cost nothing measurable in latency here and save ~4 MiB each.
export const EXPORTER_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=48', '--v8-pool-size=1', '--optimize-for-size'];
// The rest of the unit's Environment=: glibc arenas (one per thread by default, each keeping its
// freed pages) capped at 2 saves ~6 MiB; NODE_COMPILE_CACHE is set per run below.
const EXPORTER_ENV = { MALLOC_ARENA_MAX: '2' };

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

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

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function startSextant(signal: AbortSignal, compileCache: string): Promise<{ url: string; child: ChildProcess }> {
  const main = path.join(import.meta.dirname, 'exporter-main.ts');
  const child = spawn(process.execPath, [...EXPORTER_NODE_FLAGS, main], {
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

async function scrape(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/metrics`, { headers: HEADERS });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

/** /metrics latency, CPU per scrape and RSS of Sextant's exporter beside node_exporter, scraped alternately. */
export const exporterScenario: Scenario = {
  name: 'exporter',
  description: `/metrics of the Sextant exporter vs node_exporter on this host, ${SCRAPES} alternating scrapes each`,
  async run({ signal, log }): Promise<ScenarioResult | null> {
    if (NODE_EXPORTER === undefined) {
      log('node_exporter not installed');
      return null;
    }
    const port = await freePort();
    const peer = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, ...NODE_EXPORTER_UPSTREAM_ARGS], {
      stdio: 'ignore',
      signal,
    });
    const peerUrl = `http://127.0.0.1:${port}`;
    let sextant: { url: string; child: ChildProcess } | undefined;
    const compileCache = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-compile-cache-'));
    try {
      await waitForHttp(`${peerUrl}/metrics`);
      // One start to fill the compile cache, as the unit's first start does: later starts then
      // load stripped TypeScript and V8 code from it and never load the type stripper (~17 MiB).
      await stopChild((await startSextant(signal, compileCache)).child);
      sextant = await startSextant(signal, compileCache);
      const targets = [
        { url: sextant.url, pid: sextant.child.pid!, lat: [] as number[], cpu: 0 },
        { url: peerUrl, pid: peer.pid!, lat: [] as number[], cpu: 0 },
      ];
      for (let i = 0; i < WARMUP; i++) for (const t of targets) await scrape(t.url);
      for (const t of targets) t.cpu = -cpuSeconds(t.pid);
      const deadline = Date.now() + 90_000;
      for (let i = 0; i < SCRAPES && Date.now() < deadline && !signal.aborted; i++) {
        // Alternate who goes first so neither always scrapes a cache-warm kernel.
        const order = i % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) t.lat.push(await scrape(t.url));
      }
      for (const t of targets) t.cpu += cpuSeconds(t.pid);
      const [s, p] = targets as [(typeof targets)[0], (typeof targets)[0]];
      if (s.lat.length < 200) throw new Error(`only ${s.lat.length} scrapes within the time budget`);
      const ss = [...s.lat].sort((a, b) => a - b);
      const ps = [...p.lat].sort((a, b) => a - b);
      const measurements: Measurement[] = [
        { metric: '/metrics latency p50', unit: 'ms', sextant: quantile(ss, 0.5), peer: quantile(ps, 0.5), better: 'lower', targetRatio: 1 },
        { metric: '/metrics latency p99', unit: 'ms', sextant: quantile(ss, 0.99), peer: quantile(ps, 0.99), better: 'lower' },
        { metric: 'CPU per scrape', unit: 's/scrape', sextant: s.cpu / s.lat.length, peer: p.cpu / p.lat.length, better: 'lower' },
        { metric: 'RSS after the run', unit: 'MiB', sextant: rssMiB(s.pid), peer: rssMiB(p.pid), better: 'lower', targetRatio: 2 },
        { metric: 'PSS after the run', unit: 'MiB', sextant: pssMiB(s.pid), peer: pssMiB(p.pid), better: 'lower' },
      ];
      const version = /version ([\d.]+)/.exec(spawnSync(NODE_EXPORTER, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
      return {
        peer: `node_exporter ${version ?? '(Debian)'}`,
        method: `Both on this host, node_exporter with upstream default exclusions (same devices and mounts as Sextant); ${s.lat.length} scrapes each after ${WARMUP} warm-up, alternating, with Prometheus 2.42's Accept and gzip; CPU from /proc/<pid>/stat over the measured scrapes; RSS = VmRSS and PSS = Pss of /proc/<pid>/smaps_rollup at the end. Sextant runs as \`${Object.entries(EXPORTER_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node ${EXPORTER_NODE_FLAGS.join(' ')}\` on TypeScript sources with a warm NODE_COMPILE_CACHE (its second start), as the systemd unit runs it.`,
        measurements,
      };
    } finally {
      await stopChild(sextant?.child);
      await stopChild(peer);
      await rm(compileCache, { recursive: true, force: true });
    }
  },
};
