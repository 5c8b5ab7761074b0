import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@sextant/config';
import { exporterConfigSchema, startExporter } from '@sextant/exporter';
import type { RunningExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROMETHEUS = findPeer('prometheus', ['/usr/bin/prometheus']);
const missing = PROMETHEUS === undefined;

describe.skipIf(missing)('a real Prometheus scrapes the exporter', () => {
  let dir = '';
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let exporter: RunningExporter | undefined;

  beforeAll(async () => {
    const config = parseConfig(exporterConfigSchema, { EXPORTER_PORT: '0', EXPORTER_BEARER_TOKEN: 'e2e-token' });
    exporter = await startExporter({ config, log: createLogger({ level: 'silent' }) });
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-prom-'));
    const target = new URL(exporter.url).host;
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: node',
        '    authorization: { credentials: e2e-token }',
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS!,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    await waitFor('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), { attempts: 120, timeoutMs: 30_000, intervalMs: 250 });
  }, 60_000);

  afterAll(async () => {
    await stopChild(prometheus, 10_000);
    await exporter?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it.each(['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes'])(
    '%s queries back',
    async (metric) => {
      const result = await waitFor(`${metric} in Prometheus`, async () => {
        const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`${metric}{job="node"}`)}`);
        const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
      }, { attempts: 180, timeoutMs: 45_000, intervalMs: 250 });
      expect(result[0]!.metric.instance).toBe(new URL(exporter!.url).host);
      expect(Number(result[0]!.value[1])).toBeGreaterThanOrEqual(0);
    },
    60_000,
  );

  it('sees the target up, scraped with its bearer token', async () => {
    const targets = await waitFor('target health', async () => {
      const res = await fetch(`${promUrl}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      const t = body.data.activeTargets[0];
      return t?.health === 'up' ? t : undefined;
    }, { attempts: 80, timeoutMs: 20_000, intervalMs: 250 });
    expect(targets.lastError).toBe('');
  }, 30_000);
});

if (missing) {
  describe('a real Prometheus scrapes the exporter', () => {
    it.skip('skipped: prometheus is not installed', () => undefined);
  });
}
