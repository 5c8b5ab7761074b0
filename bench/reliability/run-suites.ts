// Runs the fault suite, the security checks and the fuzz tests once through vitest, with
// SEXTANT_RELIABILITY_FIGURES set, and answers the figures they recorded and their pass/fail counts.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReliabilityFigure } from './record-figure.ts';

export interface SuitesResult {
  figures: ReliabilityFigure[];
  passed: number;
  failed: number;
  skipped: number;
  /** One line per failed test, for the report. */
  failures: string[];
  durationS: number;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROJECTS = ['@sextant/e2e', '@sextant/exposition', '@sextant/ingester', '@sextant/api', '@sextant/alertmanager-bridge'];
// Matched against paths relative to each project's root (test/e2e for the e2e project).
const FILTERS = ['fault', 'security.test', '.fuzz.test'];

export async function runSuites(log: (line: string) => void): Promise<SuitesResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-figures-'));
  const figures = path.join(dir, 'figures.jsonl');
  const report = path.join(dir, 'vitest.json');
  const started = Date.now();
  const args = ['vitest', 'run', ...PROJECTS.flatMap((p) => ['--project', p]), ...FILTERS, '--reporter=json', `--outputFile=${report}`];
  log(`npx ${args.join(' ')}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', args, {
      cwd: ROOT,
      env: { ...process.env, SEXTANT_RELIABILITY_FIGURES: figures, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (c) => resolve(c ?? 1));
  });
  const parsed = JSON.parse(await readFile(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
  };
  const lines = (await readFile(figures, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
  await rm(dir, { recursive: true, force: true });
  log(`suites exited ${code}: ${parsed.numPassedTests} passed, ${parsed.numFailedTests} failed, ${parsed.numPendingTests} skipped`);
  return {
    figures: lines.map((l) => JSON.parse(l) as ReliabilityFigure),
    passed: parsed.numPassedTests,
    failed: parsed.numFailedTests,
    skipped: parsed.numPendingTests,
    failures: parsed.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.relative(ROOT, f.name)}: ${a.fullName}`)),
    durationS: (Date.now() - started) / 1000,
  };
}
