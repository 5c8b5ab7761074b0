import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { findPeer } from '@sextant/testkit/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterConfigSchema, startExporter } from '../src/index.ts';
import type { RunningExporter } from '../src/index.ts';

const OPENSSL = findPeer('openssl', ['/usr/bin/openssl']);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, ca: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(OPENSSL === undefined)('/metrics over TLS with basic and bearer auth', () => {
  let dir = '';
  let ca: Buffer;
  let exporter: RunningExporter | undefined;
  const basic = `Basic ${Buffer.from('prometheus:s3cret-pass').toString('base64')}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    ca = await readFile(cert);
    const config = parseConfig(exporterConfigSchema, {
      EXPORTER_PORT: '0',
      EXPORTER_TLS_CERT_FILE: cert,
      EXPORTER_TLS_KEY_FILE: key,
      EXPORTER_BASIC_AUTH_USER: 'prometheus',
      EXPORTER_BASIC_AUTH_PASSWORD: 's3cret-pass',
      EXPORTER_BEARER_TOKEN: 'scrape-token',
    });
    exporter = await startExporter({ config, log: createLogger({ level: 'silent' }) });
  });

  afterAll(async () => {
    await exporter?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS', () => {
    expect(exporter!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a scrape without credentials or with wrong ones', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Basic ${Buffer.from('prometheus:wrong').toString('base64')}` },
      { authorization: 'Bearer nope' },
    ];
    for (const headers of attempts) {
      const answer = await get(`${exporter!.url}/metrics`, ca, headers);
      expect(answer.status).toBe(401);
      expect(answer.body).not.toContain('node_');
    }
  });

  it('answers with basic auth or the bearer token, gzipped when asked', async () => {
    const withBasic = await get(`${exporter!.url}/metrics`, ca, { authorization: basic, 'accept-encoding': 'gzip' });
    expect(withBasic.status).toBe(200);
    expect(withBasic.headers['content-encoding']).toBe('gzip');
    expect(withBasic.body).toContain('node_cpu_seconds_total');
    const withBearer = await get(`${exporter!.url}/metrics`, ca, { authorization: 'Bearer scrape-token' });
    expect(withBearer.status).toBe(200);
    expect(withBearer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('keeps /healthz open for probes', async () => {
    expect((await get(`${exporter!.url}/healthz`, ca, {})).status).toBe(200);
  });
});
