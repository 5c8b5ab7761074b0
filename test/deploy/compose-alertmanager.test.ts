import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer, freePort, stopChild, waitFor, waitForHttp } from '@sextant/testkit/process';
import { COMPOSE_DIR } from './compose-file.ts';

// compose/alertmanager.yml in a real Alertmanager: an alert pushed to /api/v2/alerts comes back as
// a version-4 webhook on the bridge's path, firing and then resolved (compat §5.1, §5.4). A small
// HTTP server stands in for the bridge; only its address and the grouping delays differ from compose.

const ALERTMANAGER = findPeer('prometheus-alertmanager', ['/usr/bin/prometheus-alertmanager']);

interface Webhook {
  version: string;
  status: string;
  receiver: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

describe.skipIf(ALERTMANAGER === undefined)('compose/alertmanager.yml with a real Alertmanager', () => {
  let dir = '';
  let alertmanager: ChildProcess | undefined;
  let bridge: Server | undefined;
  let amUrl = '';
  const received: { path: string; body: Webhook }[] = [];

  beforeAll(async () => {
    bridge = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(text) as Webhook });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => bridge!.listen(0, '127.0.0.1', resolve));
    const bridgeHost = `127.0.0.1:${(bridge.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-compose-am-'));
    const config = (await readFile(path.join(COMPOSE_DIR, 'alertmanager.yml'), 'utf8'))
      .replaceAll('http://bridge:9095', `http://${bridgeHost}`)
      .replace(/group_wait: \S+/, 'group_wait: 1s')
      .replace(/group_interval: \S+/, 'group_interval: 1s');
    expect(config).toContain(`http://${bridgeHost}/api/alertmanager/webhook`);
    await writeFile(path.join(dir, 'alertmanager.yml'), config);
    const [port, clusterPort] = [await freePort(), await freePort()];
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      ALERTMANAGER!,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--cluster.listen-address=127.0.0.1:${clusterPort}`,
      ],
      { stdio: 'ignore' },
    );
    await waitForHttp(`${amUrl}/-/ready`, { attempts: 120, timeoutMs: 30_000, intervalMs: 250 });
  }, 60_000);

  afterAll(async () => {
    await stopChild(alertmanager, 10_000);
    await new Promise((resolve) => (bridge === undefined ? resolve(undefined) : bridge.close(resolve)));
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 30_000);

  const push = async (endsAt?: Date) => {
    const alert = { labels: { alertname: 'HighCpu', instance: 'web-1:9464', severity: 'critical' }, annotations: { summary: 'CPU above 90%' }, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) };
    const response = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) });
    expect(response.status).toBe(200);
  };

  it("delivers firing and resolved notifications to the bridge's webhook", async () => {
    await push();
    const firing = await waitFor('firing webhook', () => Promise.resolve(received.find((r) => r.body.status === 'firing')), { attempts: 200, timeoutMs: 30_000, intervalMs: 100 });
    expect(firing.path).toBe('/api/alertmanager/webhook');
    expect(firing.body.version).toBe('4');
    expect(firing.body.receiver).toBe('sextant');
    expect(firing.body.alerts[0]!.labels).toMatchObject({ alertname: 'HighCpu', instance: 'web-1:9464' });
    await push(new Date(Date.now() - 1000));
    const resolved = await waitFor('resolved webhook (send_resolved)', () => Promise.resolve(received.find((r) => r.body.status === 'resolved')), { attempts: 200, timeoutMs: 30_000, intervalMs: 100 });
    expect(resolved.body.alerts[0]!.status).toBe('resolved');
  });
});
