import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterConfigSchema, startExporter } from '../src/index.ts';
import type { RunningExporter } from '../src/index.ts';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS, PROMTOOL, startNodeExporter } from './peers.ts';
import { stopChild } from '@sextant/testkit/process';

const missing = NODE_EXPORTER === undefined || PROMTOOL === undefined;

/** promtool's lint findings, one per line (it prints them on stderr and exits 3 when there are any). */
function promtoolProblems(exposition: string): string[] {
  const r = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 && r.status !== 3) throw new Error(`promtool failed (${r.status}): ${r.stderr}`);
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
}

describe.skipIf(missing)('promtool check metrics', () => {
  let peer: { url: string; child: ChildProcess } | undefined;
  let sextant: RunningExporter | undefined;

  beforeAll(async () => {
    // Both read the textfile fixtures (a good file with a histogram, and a bad file).
    const textfileDir = path.join(import.meta.dirname, '../testdata/textfile');
    peer = await startNodeExporter([...NODE_EXPORTER_UPSTREAM_ARGS, `--collector.textfile.directory=${textfileDir}`]);
    // Everything on, including the opt-in families, so their names are linted too.
    const config = parseConfig(exporterConfigSchema, {
      EXPORTER_PORT: '0',
      EXPORTER_TEXTFILE_DIRECTORY: textfileDir,
      EXPORTER_TOP_PROCESSES: '5',
      EXPORTER_LISTENERS: 'true',
    });
    sextant = await startExporter({ config, log: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await sextant?.close();
    await stopChild(peer?.child);
  });

  it('reports nothing for Sextant that it does not also report for node_exporter', async () => {
    const [ours, theirs] = await Promise.all([
      fetch(`${sextant!.url}/metrics`).then((r) => r.text()),
      fetch(`${peer!.url}/metrics`).then((r) => r.text()),
    ]);
    const theirProblems = new Set(promtoolProblems(theirs));
    const extra = promtoolProblems(ours).filter((p) => !theirProblems.has(p));
    expect(extra).toEqual([]);
  });

  it('accepts the OpenMetrics exposition as well', async () => {
    const om = await fetch(`${sextant!.url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    const text = await om.text();
    // promtool lints the text format; the OM body must at least carry the same families and end with # EOF.
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).not.toMatch(/\n\n/);
    expect(text).toMatch(/^# TYPE node_vmstat_pgfault unknown$/m);
  });
});

if (missing) {
  describe('promtool check metrics', () => {
    it.skip(`skipped: ${NODE_EXPORTER} or ${PROMTOOL} is not installed`, () => undefined);
  });
}
