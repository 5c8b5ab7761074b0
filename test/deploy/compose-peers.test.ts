import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '@sextant/testkit/process';
import { COMPOSE_DIR, loadCompose } from './compose-file.ts';

// Must-show 3 (configs): compose/prometheus.yml passes `promtool check config` and
// compose/alertmanager.yml passes `amtool check-config`, and both point at the services and
// ports of compose.yaml and ARCHITECTURE.md.

const run = promisify(execFile);
const PROMTOOL = findPeer('promtool', ['/usr/bin/promtool']);
const AMTOOL = findPeer('amtool', ['/usr/bin/amtool']);
const compose = loadCompose();
const prometheusYml = path.join(COMPOSE_DIR, 'prometheus.yml');
const alertmanagerYml = path.join(COMPOSE_DIR, 'alertmanager.yml');

interface PrometheusConfig {
  global: { scrape_interval: string };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  remote_write: { url: string; authorization?: { credentials_file?: string } }[];
}

describe('compose/prometheus.yml', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-promtool-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(PROMTOOL === undefined)('passes promtool check config (syntax)', async () => {
    const { stdout } = await run(PROMTOOL!, ['check', 'config', '--syntax-only', prometheusYml]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it.skipIf(PROMTOOL === undefined)('passes the full promtool check once the secret files exist', async () => {
    // The same config with /run/secrets/<name> pointing at files that exist, as they do in the container.
    let text = await readFile(prometheusYml, 'utf8');
    for (const [, name] of text.matchAll(/\/run\/secrets\/(\w+)/g)) {
      await writeFile(path.join(dir, name!), 'token\n');
      text = text.replaceAll(`/run/secrets/${name}`, path.join(dir, name!));
    }
    await writeFile(path.join(dir, 'prometheus.yml'), text);
    const { stdout } = await run(PROMTOOL!, ['check', 'config', path.join(dir, 'prometheus.yml')]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('scrapes the exporter and Sextant services at their compose addresses and remote-writes to the ingester', async () => {
    const config = parse(await readFile(prometheusYml, 'utf8')) as PrometheusConfig;
    const targets = new Map(config.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]));
    expect(targets.get('node')).toEqual(['host.docker.internal:9464']);
    expect(compose.services.exporter!.network_mode).toBe('host');
    expect(compose.services.prometheus!.extra_hosts).toContain('host.docker.internal:host-gateway');
    for (const [job, address] of [['sextant-ingester', 'ingester:9201'], ['sextant-api', 'api:8080'], ['sextant-bridge', 'bridge:9095']] as const) {
      expect(targets.get(job), job).toEqual([address]);
      expect(compose.services[address.split(':')[0]!], job).toBeDefined();
    }
    expect(config.remote_write).toHaveLength(1);
    expect(config.remote_write[0]!.url).toBe('http://ingester:9201/api/v1/write');
    // The scrape interval is Sextant's, which snapshots and Grafana's timeInterval assume.
    expect(config.global.scrape_interval).toBe(compose.services.ingester!.environment?.SCRAPE_INTERVAL);
  });
});

describe('compose/alertmanager.yml', () => {
  it.skipIf(AMTOOL === undefined)('passes amtool check-config', async () => {
    const { stdout } = await run(AMTOOL!, ['check-config', alertmanagerYml]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it("sends every notification to the bridge's webhook, resolved ones too", async () => {
    const config = parse(await readFile(alertmanagerYml, 'utf8')) as {
      route: { receiver: string };
      receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[];
    };
    const root = config.receivers.find((r) => r.name === config.route.receiver);
    expect(root?.webhook_configs?.[0]).toMatchObject({ url: 'http://bridge:9095/api/alertmanager/webhook', send_resolved: true });
    expect(compose.services.bridge!.environment?.ALERTMANAGER_URL).toBe('http://alertmanager:9093');
  });
});
