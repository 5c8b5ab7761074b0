// Writes docs/reliability.md from one `npm run bench -- reliability` run: the suites' figures (faults,
// samples, duplicates, fuzz cases, security probes) and the soak's (load held, lag, latency, memory).
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MAX_BACKLOG_S } from './remote-write-load.ts';
import type { SoakResult } from './soak.ts';
import type { SuitesResult } from './run-suites.ts';

export const REPORT = path.resolve(import.meta.dirname, '../../docs/reliability.md');

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * RSS growth of one process after warm-up: the peak of the last third of the samples past warm-up
 * over the peak of the first third. A garbage-collected heap makes RSS a sawtooth (the ingester's
 * swings by a third between full collections), so one sample lands anywhere between its floor and
 * its peak; a leak raises the peaks.
 */
export function growth(soak: SoakResult, name: string): number {
  const after = rssAfterWarmup(soak, name);
  if (after.length < 3) return Number.NaN;
  const third = Math.floor(after.length / 3);
  const first = Math.max(...after.slice(0, third));
  const last = Math.max(...after.slice(-third));
  return ((last - first) / first) * 100;
}

/** Lowest and highest RSS of one process after warm-up. */
function rssRange(soak: SoakResult, name: string): [number, number] {
  const after = rssAfterWarmup(soak, name);
  return [Math.min(...after), Math.max(...after)];
}

/** One process's RSS readings from the end of the warm-up on. */
function rssAfterWarmup(soak: SoakResult, name: string): number[] {
  return soak.samples.filter((s) => s.minute >= soak.options.warmupMinutes).map((s) => s.rss[name]!);
}

function suitesSection(suites: SuitesResult | undefined): string[] {
  if (suites === undefined) return ['Suites not run in this report (SOAK_SUITES=0).', ''];
  const lines = [
    `Fault suite, security checks and fuzz tests: **${suites.passed} passed, ${suites.failed} failed, ${suites.skipped} skipped** in ${f(suites.durationS, 0)} s.`,
    '',
  ];
  if (suites.failures.length > 0) lines.push('Failed:', '', ...suites.failures.map((l) => `- ${l}`), '');
  for (const suite of [...new Set(suites.figures.map((x) => x.suite))]) {
    lines.push(`| ${suite} | figure |`, '|---|---:|');
    for (const x of suites.figures.filter((y) => y.suite === suite)) lines.push(`| ${x.name} | ${x.value}${x.unit === undefined ? '' : ` ${x.unit}`} |`);
    lines.push('');
  }
  return lines;
}

/**
 * Remote-write samples acknowledged per second after the warm-up: each sample's rate covers the time
 * since the one before, so the rates are weighted by those spans (the last one is often short).
 */
export function ackedRate(soak: SoakResult): number {
  let acked = 0;
  let minutes = 0;
  for (let i = 1; i < soak.samples.length; i++) {
    const s = soak.samples[i]!;
    if (s.minute < soak.options.warmupMinutes) continue;
    const span = s.minute - soak.samples[i - 1]!.minute;
    acked += s.rwAckedPerS * span;
    minutes += span;
  }
  return minutes > 0 ? acked / minutes : Number.NaN;
}

/** Mean CPU use of process `name` between the end of the warm-up and the last sample, in % of one core. */
function cpuShare(soak: SoakResult, name: string): number {
  const after = soak.samples.filter((s) => s.minute >= soak.options.warmupMinutes && s.cpu !== undefined);
  const first = after[0];
  const last = after.at(-1);
  if (first === undefined || last === undefined || last === first) return Number.NaN;
  return ((last.cpu[name]! - first.cpu[name]!) / ((last.minute - first.minute) * 60)) * 100;
}

function soakSection(soak: SoakResult | undefined): string[] {
  if (soak === undefined) return ['Soak not run in this report (SOAK_MINUTES=0).', ''];
  const o = soak.options;
  const loads = soak.samples.map((s) => s.load1);
  const names = Object.keys(soak.samples[0]?.rss ?? {});
  const after = soak.samples.filter((s) => s.minute >= o.warmupMinutes);
  const p99s = after.map((s) => s.apiP99Ms).sort((a, b) => a - b);
  const lines = [
    `${o.exporters} simulated node_exporters (507 samples each, node_exporter 1.5's own body) scraped every ${o.scrapeIntervalS} s ` +
      `(${f((o.exporters * 512) / o.scrapeIntervalS, 0)} samples/s with the report series) plus remote-write of ${o.rate} series once a second (4 requests in flight; seconds answered late are caught up at once, as Prometheus's queues do, and only more than ${MAX_BACKLOG_S} s behind would seconds be dropped), ` +
      `for ${f(soak.samples.at(-1)?.minute ?? 0)} min, on ${os.cpus().length} cores shared with other work: load average ${f(Math.min(...loads))}–${f(Math.max(...loads))} (median ${f(loads.sort((a, b) => a - b)[Math.floor(loads.length / 2)] ?? Number.NaN)}) during the run.`,
    '',
    'API traffic meanwhile (autocannon, 40 requests/s offered over 4 connections, as a logged-in admin): the fleet list ' +
      '(`/api/servers?limit=50`), firing alerts, the PromQL instant query `up` over every target, and the CPU panel of ' +
      'Node Exporter Full for one server (`sum by (mode) (rate(node_cpu_seconds_total{instance=…}[1m]))`).',
    '',
    '| measure | value |',
    '|---|---:|',
    `| scrapes answered by the simulated exporters | ${soak.scrapes} |`,
    `| gap between two scrapes of one exporter after warm-up, p50 / p99 (target ${o.scrapeIntervalS} s) | ${f(soak.scrapeGapP50S, 2)} s / ${f(soak.scrapeGapP99S, 2)} s |`,
    `| scraped samples stored | ${soak.scrapedStored} |`,
    `| servers registered from the scrapes | ${soak.servers} |`,
    `| remote-write samples sent / acknowledged / stored | ${soak.rwSent} / ${soak.rwAcked} / ${soak.rwStored} |`,
    `| acknowledged remote-write samples missing | ${soak.rwAcked - Math.min(soak.rwAcked, soak.rwStored)} |`,
    `| remote-write acknowledged rate after warm-up, mean | ${f(ackedRate(soak), 0)} samples/s (offered ${o.rate}) |`,
    `| remote-write retries (5xx or no answer) / seconds sent late (caught up after) / seconds dropped (over ${MAX_BACKLOG_S} s behind) | ${soak.rwRetries} / ${soak.rwLateSeconds} / ${soak.rwDroppedSeconds} |`,
    `| PostgreSQL WAL written / checkpoints (by checkpoint_timeout / requested as max_wal_size filled) | ${f(soak.walMiB / 1024, 1)} GiB / ${soak.checkpointsTimed} / ${soak.checkpointsRequested} |`,
    `| remote-write request latency p99 (2000 samples) | ${f(soak.rwLatencyP99Ms, 0)} ms |`,
    `| API latency p99 per window after warm-up, median / worst | ${f(p99s[Math.floor(p99s.length / 2)] ?? Number.NaN, 0)} ms / ${f(p99s.at(-1) ?? Number.NaN, 0)} ms |`,
    `| oldest last scrape over all servers, worst after warm-up | ${f(Math.max(...after.map((s) => s.scrapeAgeS)))} s |`,
    `| ingester disk-buffer batches, worst / dropped when full (scrapes lost) | ${Math.max(...soak.samples.map((s) => s.buffered))} / ${soak.samples.at(-1)?.dropped ?? 'n/a'} |`,
    ...names.map((n) => `| ${n} memory growth after ${o.warmupMinutes} min warm-up, peak of the last third over peak of the first (${n === 'postgresql (Pss)' ? 'shared buffers filling up as pages are first read; no target' : 'target < 10 %'}) | ${f(growth(soak, n))} % |`),
    ...names.map((n) => `| ${n} memory after warm-up, lowest – highest | ${rssRange(soak, n).map((x) => f(x, 0)).join(' – ')} MiB |`),
    ...names.filter((n) => soak.samples[0]?.cpu?.[n] !== undefined).map((n) => `| ${n.replace(' (Pss)', '')} CPU after warm-up, mean (100 % = one core) | ${f(cpuShare(soak, n), 0)} % |`),
    '',
    'Over time (one row per sample window; memory in MiB: RSS, PostgreSQL as the Pss sum of its processes):',
    '',
    `| min | load1 | ${names.join(' | ')} | oldest scrape s | buffered | dropped | API p99 ms | API req/s | remote-write acked/s |`,
    `|---:|---:|${names.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|`,
    ...soak.samples.map(
      (s) => `| ${f(s.minute)} | ${f(s.load1)} | ${names.map((n) => f(s.rss[n]!, 0)).join(' | ')} | ${f(s.scrapeAgeS)} | ${s.buffered} | ${s.dropped ?? 'n/a'} | ${s.apiP99Ms} | ${f(s.apiRps, 0)} | ${f(s.rwAckedPerS, 0)} |`,
    ),
    '',
  ];
  return lines;
}

/**
 * With `append` (SOAK_APPEND=1), adds this run's soak as one more section of the existing report,
 * before "Reproduce", and keeps the rest: a second soak at another load beside the first.
 */
export async function writeReport(options: { suites?: SuitesResult; soak?: SoakResult; startedAt: Date; append?: boolean }): Promise<void> {
  if (options.append === true && options.soak !== undefined) {
    const existing = await readFile(REPORT, 'utf8');
    const at = existing.indexOf('## Reproduce');
    const o = options.soak.options;
    const section = [`## Load and soak: ${o.exporters} exporters every ${o.scrapeIntervalS} s plus ${o.rate} samples/s (run started ${options.startedAt.toISOString()})`, '', ...soakSection(options.soak)].join('\n');
    await writeFile(REPORT, at < 0 ? `${existing}\n${section}\n` : `${existing.slice(0, at)}${section}\n${existing.slice(at)}`);
    return;
  }
  const text = [
    '# Reliability and security, measured',
    '',
    'What Sextant does when the things around it fail, under load, and with hostile input. Every figure',
    `below comes from one run of \`npm run bench -- reliability\` started ${options.startedAt.toISOString()} on this repository; the`,
    'file is written by that run (bench/reliability/write-report.ts), so it changes only when it is re-run.',
    '',
    '## Faults, fuzzing and security checks',
    '',
    'The fault suite (test/e2e/fault.test.ts) runs `sextant ingester` and `sextant api` as real processes on an',
    'embedded PostgreSQL and a Mosquitto of its own, under scrape, remote-write and API load, and injects in turn:',
    'a PostgreSQL restart, SIGKILL of the ingester mid-batch (twice), SIGKILL of the API, a broker restart;',
    'test/e2e/fault-alertmanager.test.ts runs `sextant bridge` while Alertmanager is down, then hung (SIGSTOP).',
    'The remote-write sender retries each request until 2xx, as Prometheus does; only 2xx counts as',
    'acknowledged, and every acknowledged (series, time) must be stored exactly once. The fuzz tests',
    '(`*.fuzz.test.ts`, fast-check) send hostile input to the exposition parser, the real remote-write',
    'receiver, the Alertmanager webhook and every API route with a body (taken from /api/openapi.json); the',
    'security checks (test/e2e/security.test.ts) probe every parameter of every route and the UI path with',
    'SQL-injection and path-traversal values, grep every log line of a debug-level stack for the secrets it',
    'was given or handed out, and check HTTPS from certificate files on the exporter, ingester and API.',
    '',
    ...suitesSection(options.suites),
    '## Load and soak',
    '',
    ...soakSection(options.soak),
    '## Reproduce',
    '',
    '```sh',
    'npm run bench -- reliability                 # suites, then the 10-minute soak; rewrites this file',
    'SOAK_SUITES=0 SOAK_MINUTES=2 SOAK_EXPORTERS=200 npm run bench -- reliability   # a short soak only',
    'npx vitest run --project @sextant/e2e fault security   # the fault and security suites alone (part of npm test)',
    '```',
    '',
    'Soak settings (environment): `SOAK_MINUTES` (10), `SOAK_WARMUP_MINUTES` (2), `SOAK_EXPORTERS` (1000),',
    '`SOAK_SCRAPE_INTERVAL` (15, seconds), `SOAK_RW_RATE` (50000 samples/s), `SOAK_SAMPLE_EVERY` (30, seconds);',
    '`SOAK_APPEND=1` adds the soak as one more section instead of rewriting the file (a second load level).',
    'Everything listens on loopback; PostgreSQL is an embedded server in a temporary directory; the',
    'shared servers of the machine are not touched. `SEXTANT_FUZZ_RUNS` (2000) scales the fuzz case counts.',
    '',
  ].join('\n');
  await writeFile(REPORT, text);
}
