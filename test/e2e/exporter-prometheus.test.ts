import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@sextant/config';
import { exporterConfigSchema, startExporter } from '@sextant/exporter';
import type { RunningExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROMETHEUS = '/usr/bin/prometheus';
const missing = !existsSync(PROMETHEUS);
if (missing && process.env.CI === 'true') throw new Error(`${PROMETHEUS} is required in CI`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function poll<T>(what: string, attempts: number, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

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
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    await poll('Prometheus ready', 120, 30_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await exporter?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it.each(['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes'])(
    '%s queries back',
    async (metric) => {
      const result = await poll(`${metric} in Prometheus`, 120, 45_000, async () => {
        const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`${metric}{job="node"}`)}`);
        const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
      });
      expect(result[0]!.metric.instance).toBe(new URL(exporter!.url).host);
      expect(Number(result[0]!.value[1])).toBeGreaterThanOrEqual(0);
    },
    60_000,
  );

  it('sees the target up, scraped with its bearer token', async () => {
    const targets = await poll('target health', 60, 20_000, async () => {
      const res = await fetch(`${promUrl}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      const t = body.data.activeTargets[0];
      return t?.health === 'up' ? t : undefined;
    });
    expect(targets.lastError).toBe('');
  }, 30_000);
});

if (missing) {
  describe('a real Prometheus scrapes the exporter', () => {
    it.skip(`skipped: ${PROMETHEUS} is not installed`, () => undefined);
  });
}
