import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const PROMETHEUS = findPeer('prometheus', ['/usr/bin/prometheus']);

interface ActiveTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapeUrl: string;
}

describe.skipIf(PROMETHEUS === undefined)('a real Prometheus discovers the fleet through /api/sd/targets', () => {
  let t: TestApi;
  let dir = '';
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  const targets = async (): Promise<ActiveTarget[]> => {
    const res = await fetch(`${promUrl}/api/v1/targets?state=active`);
    return ((await res.json()) as { data: { activeTargets: ActiveTarget[] } }).data.activeTargets;
  };
  const addServer = async (body: object) => {
    const res = await t.request('/api/servers', { method: 'POST', token: t.users.operator.accessToken, body });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    t = await startTestApi();
    // Exporters that are not running: discovery does not depend on them answering.
    await addServer({ name: 'web-1', address: '127.0.0.1:19464', labels: { env: 'prod', team: 'web' } });
    await addServer({ name: 'web-2', address: '127.0.0.1:19465', labels: { env: 'staging' } });
    await addServer({ name: 'no-exporter' });
    const token = await t.apiToken('viewer', ['read']);
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-sd-'));
    // Prometheus 2.42 http_sd_configs with a bearer credential; only prod servers are kept, and the
    // server's name becomes a target label through its meta label.
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1h, scrape_timeout: 10s }',
        'scrape_configs:',
        '  - job_name: sextant-fleet',
        '    http_sd_configs:',
        `      - url: ${t.url}/api/sd/targets`,
        '        refresh_interval: 1s',
        `        authorization: { type: Bearer, credentials: ${token} }`,
        '    relabel_configs:',
        '      - { source_labels: [__meta_sextant_label_env], regex: prod, action: keep }',
        '      - { source_labels: [__meta_sextant_server_name], target_label: server }',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS!,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    await waitFor('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined), {
      attempts: 120,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
  }, 60_000);

  afterAll(async () => {
    await stopChild(prometheus, 10_000);
    await t?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('scrapes the servers it keeps, with their labels and the meta labels for relabeling', async () => {
    const active = await waitFor('discovered targets', async () => {
      const found = await targets();
      return found.length > 0 ? found : undefined;
    }, { attempts: 120, timeoutMs: 30_000, intervalMs: 250 });
    expect(active).toHaveLength(1);
    expect(active[0]!.scrapeUrl).toBe('http://127.0.0.1:19464/metrics');
    expect(active[0]!.labels).toMatchObject({ job: 'sextant-fleet', instance: '127.0.0.1:19464', server: 'web-1', env: 'prod', team: 'web' });
    expect(active[0]!.discoveredLabels).toMatchObject({ __meta_sextant_server_name: 'web-1', __meta_sextant_label_team: 'web', __meta_sextant_status: 'unknown' });
  }, 40_000);

  it('follows a server added later at its next refresh', async () => {
    await addServer({ name: 'db-1', address: '127.0.0.1:19100', labels: { env: 'prod' } });
    const active = await waitFor('the new target', async () => {
      const found = await targets();
      return found.length === 2 ? found : undefined;
    }, { attempts: 120, timeoutMs: 30_000, intervalMs: 250 });
    expect(active.map((a) => a.labels.server).sort()).toEqual(['db-1', 'web-1']);
  }, 40_000);
});

if (PROMETHEUS === undefined) {
  describe('a real Prometheus discovers the fleet through /api/sd/targets', () => {
    it.skip('skipped: prometheus is not installed', () => undefined);
  });
}
