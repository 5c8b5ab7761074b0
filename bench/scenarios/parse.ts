import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseExposition, renderExposition } from '@sextant/exposition';
import { stopChild } from '@sextant/testkit/process';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS, PROMTOOL, startNodeExporter } from '../../exporter/test/peers.ts';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';

// ~1M samples: each series of one real node_exporter scrape repeated under this many `instance`s.
const TARGET_SAMPLES = 1_000_000;
const ROUNDS = 5;
const PEER_RUNS = 3;
const GNU_TIME = '/usr/bin/time';

interface Run {
  cpuSeconds: number;
  wallSeconds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The scrape with every sample line repeated `copies` times, each copy with its own
 * `instance="host-<k>:9100"` label, family by family and series by series (so histograms,
 * summaries and OpenMetrics metric points stay grouped): a federation-sized body.
 */
function expand(scrape: string, copies: number): string {
  const out: string[] = [];
  let block: string[] = [];
  const flush = (): void => {
    for (let k = 0; k < copies; k++) {
      for (const line of block) {
        const brace = line.indexOf('{');
        const space = line.indexOf(' ');
        out.push(
          brace !== -1 && brace < space
            ? `${line.slice(0, brace + 1)}instance="host-${k}:9100",${line.slice(brace + 1)}`
            : `${line.slice(0, space)}{instance="host-${k}:9100"}${line.slice(space)}`,
        );
      }
    }
    block = [];
  };
  for (const line of scrape.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      flush();
      out.push(line);
    } else block.push(line);
  }
  flush();
  return `${out.join('\n')}\n`;
}

function sextantRuns(file: string, format: string, expected: number, repeat = 1): Run[] {
  const main = path.join(import.meta.dirname, 'parse-main.ts');
  const res = spawnSync(process.execPath, [main, file, format, String(ROUNDS), String(repeat)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (res.status !== 0) throw new Error(`parse-main failed: ${res.stderr}`);
  const runs = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Run & { samples: number });
  for (const r of runs) if (r.samples !== expected) throw new Error(`Sextant parsed ${r.samples} samples, expected ${expected}`);
  // The first round also compiles and warms the parser; a scraper parses all day.
  return runs.slice(1);
}

/** `promtool check metrics < file` under GNU time: wall, user+system CPU of the whole process. */
function promtoolRun(file: string): Run {
  const res = spawnSync('sh', ['-c', `${GNU_TIME} -f '%e %U %S' "$0" check metrics < "$1" > /dev/null 2> "$1.err"; tail -n 1 "$1.err"`, PROMTOOL!, file], {
    encoding: 'utf8',
  });
  const m = /^([\d.]+) ([\d.]+) ([\d.]+)$/m.exec(res.stdout);
  if (m === null) throw new Error(`promtool: unexpected output ${res.stdout}${res.stderr}`);
  return { wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]) };
}

/** Samples per CPU second of the parser vs promtool (Go, expfmt + lint) on the same ~1M-sample body. */
export const parseScenario: Scenario = {
  name: 'parse',
  description: `exposition parsing, text 0.0.4 and OpenMetrics, ~${TARGET_SAMPLES / 1e6}M samples from a node_exporter scrape, vs promtool check metrics`,
  async run({ log }): Promise<ScenarioResult | null> {
    if (NODE_EXPORTER === undefined || PROMTOOL === undefined) {
      log('node_exporter or promtool not installed');
      return null;
    }
    const { url, child } = await startNodeExporter(NODE_EXPORTER_UPSTREAM_ARGS);
    let scrape: string;
    try {
      scrape = await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } })).text();
    } finally {
      await stopChild(child);
    }
    const perScrape = parseExposition(scrape, 'text').samples.length;
    const copies = Math.ceil(TARGET_SAMPLES / perScrape);
    const text = expand(scrape, copies);
    const parsed = parseExposition(text, 'text');
    const samples = parsed.samples.length;
    const openMetrics = renderExposition(parsed, 'openmetrics');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-parse-'));
    try {
      const files = {
        text: path.join(dir, 'text.prom'),
        openmetrics: path.join(dir, 'openmetrics.txt'),
        empty: path.join(dir, 'empty.prom'),
        scrape: path.join(dir, 'scrape.prom'),
      };
      await writeFile(files.text, text);
      await writeFile(files.scrape, scrape);
      await writeFile(files.openmetrics, openMetrics);
      await writeFile(files.empty, '');
      log(`${samples} samples (${perScrape} per scrape × ${copies}), ${(text.length / 2 ** 20).toFixed(0)} MiB text, ${(openMetrics.length / 2 ** 20).toFixed(0)} MiB OpenMetrics`);

      const startup = Array.from({ length: PEER_RUNS }, () => promtoolRun(files.empty));
      const peer = Array.from({ length: PEER_RUNS }, () => promtoolRun(files.text));
      const peerCpu = median(peer.map((r) => r.cpuSeconds)) - median(startup.map((r) => r.cpuSeconds));
      const peerWall = median(peer.map((r) => r.wallSeconds)) - median(startup.map((r) => r.wallSeconds));
      const text04 = sextantRuns(files.text, 'text', samples);
      const om = sextantRuns(files.openmetrics, 'openmetrics', samples);
      // What the scrape loop does all day: one scrape-sized body at a time, results dropped.
      const scrapes = sextantRuns(files.scrape, 'text', perScrape * copies, copies);
      log(`promtool start-up on empty input: ${median(startup.map((r) => r.cpuSeconds)).toFixed(3)} s CPU, ${median(startup.map((r) => r.wallSeconds)).toFixed(3)} s wall`);

      const perCpu = (runs: Run[]): number => samples / median(runs.map((r) => r.cpuSeconds));
      const perWall = (runs: Run[]): number => samples / median(runs.map((r) => r.wallSeconds));
      const measurements: Measurement[] = [
        { metric: 'parse text 0.0.4, samples per CPU second', unit: 'samples/s', sextant: perCpu(text04), peer: samples / peerCpu, better: 'higher', targetRatio: 1 },
        { metric: 'parse text 0.0.4, samples per wall second', unit: 'samples/s', sextant: perWall(text04), peer: samples / peerWall, better: 'higher' },
        { metric: 'parse OpenMetrics, samples per CPU second (peer: text)', unit: 'samples/s', sextant: perCpu(om), peer: samples / peerCpu, better: 'higher' },
        {
          metric: 'parse one scrape at a time, samples per CPU second (peer: one ~1M body)',
          unit: 'samples/s',
          sextant: (perScrape * copies) / median(scrapes.map((r) => r.cpuSeconds)),
          peer: samples / peerCpu,
          better: 'higher',
        },
      ];
      const version = /version ([\d.]+)/.exec(spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
      return {
        peer: `promtool check metrics ${version ?? '(Debian)'}`,
        method: `One node_exporter scrape of this host (${perScrape} samples) with each series repeated under ${copies} \`instance\` labels: ${samples} samples. Sextant: parseExposition (UTF-8 decode included) in its own Node process, median of ${ROUNDS - 1} rounds after a warm-up round, CPU = process.cpuUsage (all threads, GC included). Peer: \`promtool check metrics\` (Go expfmt parser plus its lint) reading the same text body on stdin, median of ${PEER_RUNS} runs under GNU time (user+system), minus the median of ${PEER_RUNS} runs on an empty body (start-up). The OpenMetrics row parses the same samples rendered as OpenMetrics (promtool reads only text, so its peer figure is the text one). The one-scrape row parses the original scrape ${copies} times per round, dropping each result, as the scrape loop does (promtool cannot be timed per scrape: its start-up dominates). Target: ≥ 1M samples per CPU second.`,
        measurements,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
