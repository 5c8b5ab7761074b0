// `npm run bench [scenario…]`: runs each scenario (Sextant beside its peer, same run) and writes
// bench/results/<timestamp>.json plus a markdown table of ratios to stdout and bench/results/latest.md.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Scenario, ScenarioResult } from './scenario.ts';
import { scenarios } from './scenarios/index.ts';

const BUDGET_MS = 15 * 60_000;

function ratio(sextant: number, peer: number): number {
  return peer === 0 ? Number.NaN : sextant / peer;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

export function toMarkdown(results: { scenario: Scenario; result: ScenarioResult }[]): string {
  const lines: string[] = [];
  for (const { scenario, result } of results) {
    lines.push(`### ${scenario.name} — vs ${result.peer}`, '', result.method, '');
    lines.push('| measure | unit | Sextant | peer | ratio | target | ok |', '|---|---|---:|---:|---:|---:|:-:|');
    for (const m of result.measurements) {
      const r = ratio(m.sextant, m.peer);
      const ok =
        m.targetRatio === undefined ? '' : (m.better === 'lower' ? r <= m.targetRatio : r >= m.targetRatio) ? 'yes' : 'NO';
      const target = m.targetRatio === undefined ? '' : `${m.better === 'lower' ? '≤' : '≥'} ${m.targetRatio}×`;
      lines.push(`| ${m.metric} | ${m.unit} | ${fmt(m.sextant)} | ${fmt(m.peer)} | ${fmt(r)}× | ${target} | ${ok} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

// Ctrl-C or SIGTERM aborts the running scenario, which stops what it started (processes, databases,
// temporary directories) before the bench exits; a second signal exits at once.
const stopped = new AbortController();
function stop(): void {
  if (stopped.signal.aborted) process.exit(130);
  console.error('stopping: the scenario cleans up (a second signal exits at once)');
  stopped.abort(new Error('the bench was stopped'));
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const chosen = wanted.length === 0 ? scenarios : scenarios.filter((s) => wanted.includes(s.name));
  if (chosen.length === 0) {
    console.error(`no such scenario: ${wanted.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const signal = AbortSignal.any([AbortSignal.timeout(BUDGET_MS), stopped.signal]);
  const done: { scenario: Scenario; result: ScenarioResult }[] = [];
  for (const scenario of chosen) {
    console.error(`# ${scenario.name}: ${scenario.description}`);
    const result = await scenario.run({ signal, log: (line) => console.error(`  ${line}`) });
    if (result === null) console.error(`  skipped`);
    else done.push({ scenario, result });
  }
  const dir = path.join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = done.map(({ scenario, result }) => ({
    scenario: scenario.name,
    ...result,
    measurements: result.measurements.map((m) => ({ ...m, ratio: ratio(m.sextant, m.peer) })),
  }));
  await writeFile(path.join(dir, `${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const md = toMarkdown(done);
  await writeFile(path.join(dir, 'latest.md'), md);
  process.stdout.write(md);
}

await main().catch((err: unknown) => {
  if (!stopped.signal.aborted) throw err;
  console.error('stopped');
  process.exitCode = 130;
});
