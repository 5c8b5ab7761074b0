// Security checks on the running stack (`sextant api`, `sextant ingester`, `sextant exporter` as real
// processes at LOG_LEVEL=debug): SQL-injection and path-traversal probes on every parameter of every
// route in the OpenAPI document and on the static UI path; the secrets the stack was given or
// handed out never appear in any log line; the exporter, ingester and API serve HTTPS from certificate files.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { openStorage, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { freePort, waitFor } from '@sextant/testkit/process';
import { recordFigure } from '../../bench/reliability/record-figure.ts';
import { startSextant } from '../../bench/reliability/sextant-process.ts';
import type { SextantProcess } from '../../bench/reliability/sextant-process.ts';
import { compress, v1Bytes } from '../../ingester/test/remote-write-requests.ts';

const log = createLogger({ level: 'silent' });
const ADMIN_PASSWORD = 'Adm1n-S3cret-pw-4fb2';
const WRONG_PASSWORD = 'Wr0ng-S3cret-pw-9c1e';
const JWT_SECRET = 'jwt-S3cret-7d1f0c2b9a8e4f6d1c3b5a7e9f0d2c4b';
const RW_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };

// Values that would change a query if concatenated into SQL, or escape a directory if joined into a path.
const PROBES = [
  "' OR '1'='1",
  "1'; DROP TABLE users; --",
  '1 OR 1=1',
  '") OR ("1"="1',
  "'||pg_sleep(5)||'",
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '....//....//etc/passwd',
  '/etc/passwd%00.json',
];
const STATIC_PROBES = [
  '/../../etc/passwd',
  '/..%2f..%2f..%2fetc%2fpasswd',
  '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/%252e%252e/%252e%252e/etc/passwd',
  '/assets/../../../../etc/passwd',
  '/assets/..%5c..%5c..%5cetc%5cpasswd',
  '//etc/passwd',
  '/index.html/../../../etc/passwd',
  '/.%2e/.%2e/.%2e/etc/passwd',
];

/** A GET/POST with the path sent byte for byte (fetch would normalise `..` away). */
function raw(url: string, method: string, rawPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: rawPath, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${method} ${rawPath}`)));
    req.once('error', reject);
    req.end(body);
  });
}

describe('security of the running stack', () => {
  let dir = '';
  let postgres: EmbeddedPostgresHandle;
  let storage: Storage;
  let api: SextantProcess | undefined;
  let ingester: SextantProcess | undefined;
  let exporter: SextantProcess | undefined;
  let apiUrl = '';
  let ingesterUrl = '';
  let mqttPort = 0;
  const secrets = new Map<string, string>();
  let probes = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-security-'));
    await chmod(dir, 0o755);
    postgres = await startEmbeddedPostgres({ dataDir: dir, log });
    storage = await openStorage({ url: postgres.url, log });
    secrets.set('database password (in DATABASE_URL)', decodeURIComponent(new URL(postgres.url).password));
    secrets.set('admin password', ADMIN_PASSWORD);
    secrets.set('wrong password tried', WRONG_PASSWORD);
    secrets.set('JWT secret', JWT_SECRET);
    const ui = path.join(dir, 'ui');
    await mkdir(path.join(ui, 'assets'), { recursive: true });
    await writeFile(path.join(ui, 'index.html'), '<!doctype html><title>Sextant</title>');
    await writeFile(path.join(ui, 'assets', 'app.js'), 'export {};');
    const [apiPort, ingesterPort] = [await freePort(), await freePort()];
    mqttPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    ingesterUrl = `http://127.0.0.1:${ingesterPort}`;
    const common = { DATABASE_URL: postgres.url, LOG_LEVEL: 'debug' };
    api = await startSextant({
      command: 'api',
      env: { ...common, SEXTANT_DATA_DIR: path.join(dir, 'api'), API_PORT: String(apiPort), MQTT_PORT: String(mqttPort), JWT_SECRET, SEXTANT_ADMIN_PASSWORD: ADMIN_PASSWORD, API_UI_DIR: ui },
      readyUrl: `${apiUrl}/healthz`,
    });
    ingester = await startSextant({
      command: 'ingester',
      env: { ...common, SEXTANT_DATA_DIR: path.join(dir, 'ingester'), INGESTER_PORT: String(ingesterPort), REMOTE_WRITE_AUTH: 'token', SCRAPE_INTERVAL: '1s' },
      readyUrl: `${ingesterUrl}/healthz`,
    });
  }, 180_000);

  afterAll(async () => {
    await exporter?.stop();
    await ingester?.stop();
    await api?.stop();
    await storage?.close();
    await postgres?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const login = async (password: string) =>
    fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });

  it('never writes a secret it was given or handed out to its logs (LOG_LEVEL=debug)', async () => {
    expect((await login(WRONG_PASSWORD)).status).toBe(401);
    const res = await login(ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
    secrets.set('access token (JWT)', tokens.accessToken);
    secrets.set('access token signature', tokens.accessToken.split('.')[2]!);
    secrets.set('refresh token', tokens.refreshToken);
    const auth = { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' };
    const refreshed = await fetch(`${apiUrl}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: tokens.refreshToken }) });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { accessToken: string; refreshToken: string };
    secrets.set('rotated refresh token', second.refreshToken);
    // Reusing the rotated-out refresh token: refused (and logged as reuse), without the token itself.
    expect((await fetch(`${apiUrl}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: tokens.refreshToken }) })).status).toBe(401);
    const created = await fetch(`${apiUrl}/api/tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'prometheus', scopes: ['remote_write'] }) });
    expect(created.status).toBe(201);
    const apiToken = ((await created.json()) as { token: string }).token;
    secrets.set('API token', apiToken);
    const body = compress(v1Bytes([{ labels: { __name__: 'security_probe', job: 'j' }, samples: [{ value: 1, timestamp: Date.now() }] }]));
    expect((await fetch(`${ingesterUrl}/api/v1/write`, { method: 'POST', body, headers: { ...RW_HEADERS, authorization: `Bearer ${apiToken}` } })).status).toBe(204);
    const basic = Buffer.from(`token:${apiToken}`).toString('base64');
    expect((await fetch(`${ingesterUrl}/api/v1/write`, { method: 'POST', body, headers: { ...RW_HEADERS, authorization: `Basic ${basic}` } })).status).toBe(204);
    expect((await fetch(`${ingesterUrl}/api/v1/write`, { method: 'POST', body, headers: { ...RW_HEADERS, authorization: `Bearer sxt_${'0'.repeat(40)}` } })).status).toBe(401);
    // MQTT logins with a password, with the access JWT, and a wrong password.
    for (const password of [ADMIN_PASSWORD, tokens.accessToken, WRONG_PASSWORD]) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { username: 'admin', password, reconnectPeriod: 0, connectTimeout: 5_000 });
      await new Promise<void>((resolve) => {
        client.once('connect', () => resolve());
        client.once('error', () => resolve());
        client.once('close', () => resolve());
      });
      client.end(true);
    }
    await fetch(`${apiUrl}/api/auth/logout`, { method: 'POST', headers: auth, body: '{}' });
    // Everything that was logged, from both processes: the refused remote-write's debug line shows the
    // ingester's output has been read past the requests; the API's has once its count stops moving.
    await waitFor('the refused remote-write in the ingester log', () => Promise.resolve(ingester!.lines.some((l) => l.includes('remote write refused')) ? true : undefined));
    let seen = -1;
    await waitFor('the API log to settle', () => Promise.resolve(api!.lines.length === seen ? true : void (seen = api!.lines.length)), { intervalMs: 300 });
    const lines = [...api!.lines, ...ingester!.lines];
    expect(lines.filter((l) => l.includes('"level":20')).length, 'debug lines were written').toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [what, secret] of secrets) {
      for (const line of lines) if (line.includes(secret)) leaks.push(`${what}: ${line.slice(0, 300)}`);
    }
    recordFigure({ suite: 'security', name: 'log lines grepped for secrets (LOG_LEVEL=debug)', value: lines.length });
    recordFigure({ suite: 'security', name: 'secrets looked for / found in logs', value: `${secrets.size} / ${leaks.length}` });
    expect(leaks).toEqual([]);
  }, 120_000);

  it('answers SQL-injection and path-traversal probes on every parameter of every route without a 5xx or a leak', async () => {
    const token = ((await (await login(ADMIN_PASSWORD)).json()) as { accessToken: string }).accessToken;
    const doc = (await (await fetch(`${apiUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
    const users = async () => Number((await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n);
    const before = await users();
    const problems: string[] = [];
    let parameters = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method) || template === '/api/auth/logout') continue;
        for (const param of op.parameters ?? []) {
          if (param.in !== 'path' && param.in !== 'query') continue;
          parameters++;
          for (const probe of PROBES) {
            const value = probe.includes('%') ? probe : encodeURIComponent(probe);
            let p = template.replace(/\{[^}]+\}/g, (m) => (m === `{${param.name}}` ? value : '00000000-0000-4000-8000-000000000000'));
            if (param.in === 'query') p += `?${encodeURIComponent(param.name)}=${value}`;
            const started = Date.now();
            const res = await raw(apiUrl, method.toUpperCase(), p, { authorization: `Bearer ${token}` }, method === 'get' || method === 'delete' ? undefined : '{}');
            probes++;
            if (res.status >= 500) problems.push(`${method.toUpperCase()} ${p} → ${res.status} ${res.text.slice(0, 200)}`);
            if (/root:x?:0:0|syntax error at or near|unterminated quoted string/i.test(res.text)) problems.push(`${method.toUpperCase()} ${p} leaks: ${res.text.slice(0, 200)}`);
            // pg_sleep(5) run as SQL would hold the answer for five seconds.
            if (Date.now() - started > 4_500) problems.push(`${method.toUpperCase()} ${p} took ${Date.now() - started} ms`);
          }
        }
      }
    }
    recordFigure({ suite: 'security', name: `injection and traversal probes (${parameters} parameters × ${PROBES.length} values)`, value: probes });
    expect(parameters).toBeGreaterThan(10);
    expect(problems).toEqual([]);
    expect(await users()).toBe(before);
    expect((await storage.pool.query(`SELECT to_regclass('users') AS t`)).rows[0]).toEqual({ t: 'users' });
  }, 300_000);

  it('serves nothing outside the UI directory, whatever the encoding of the path', async () => {
    const passwd = await readFile('/etc/passwd', 'utf8').catch(() => 'root:x:0:0');
    const firstLine = passwd.split('\n')[0]!;
    for (const probe of STATIC_PROBES) {
      const res = await raw(apiUrl, 'GET', probe, {});
      probes++;
      expect(res.status, probe).toBeLessThan(500);
      expect(res.text.includes(firstLine), `${probe} served /etc/passwd`).toBe(false);
    }
    // The UI itself is served.
    expect((await raw(apiUrl, 'GET', '/assets/app.js', {})).text).toBe('export {};');
    recordFigure({ suite: 'security', name: 'static UI path traversal probes', value: STATIC_PROBES.length });
  });

  it('the exporter, the ingester and the API serve HTTPS from certificate files', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const ca = await readFile(cert);
    const get = (port: number, p: string) =>
      new Promise<{ status: number; text: string } | undefined>((resolve) => {
        https.get({ host: '127.0.0.1', port, path: p, ca }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        }).once('error', () => resolve(undefined));
      });
    const [exporterPort, tlsIngesterPort, tlsApiPort] = [await freePort(), await freePort(), await freePort()];
    exporter = await startSextant({ command: 'exporter', env: { EXPORTER_PORT: String(exporterPort), EXPORTER_TLS_CERT_FILE: cert, EXPORTER_TLS_KEY_FILE: key, LOG_LEVEL: 'warn' } });
    const metrics = await waitFor('the exporter over HTTPS', async () => ((await get(exporterPort, '/metrics'))?.status === 200 ? (await get(exporterPort, '/metrics'))!.text : undefined), { timeoutMs: 30_000 });
    expect(metrics).toMatch(/^node_cpu_seconds_total\{/m);
    const tlsIngester = await startSextant({
      command: 'ingester',
      env: { DATABASE_URL: postgres.url, SEXTANT_DATA_DIR: path.join(dir, 'ingester-tls'), INGESTER_PORT: String(tlsIngesterPort), INGESTER_TLS_CERT_FILE: cert, INGESTER_TLS_KEY_FILE: key, LOG_LEVEL: 'warn' },
    });
    const tlsApi = await startSextant({
      command: 'api',
      env: { DATABASE_URL: postgres.url, SEXTANT_DATA_DIR: path.join(dir, 'api-tls'), API_PORT: String(tlsApiPort), MQTT_PORT: String(await freePort()), JWT_SECRET, API_TLS_CERT_FILE: cert, API_TLS_KEY_FILE: key, LOG_LEVEL: 'warn' },
    });
    try {
      expect(await waitFor('the ingester over HTTPS', async () => ((await get(tlsIngesterPort, '/healthz'))?.status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 300, attempts: 300 })).toBe(true);
      const openapi = await waitFor('the API over HTTPS', async () => {
        const res = await get(tlsApiPort, '/api/openapi.json');
        return res?.status === 200 ? res.text : undefined;
      }, { timeoutMs: 60_000, intervalMs: 300, attempts: 300 });
      expect(JSON.parse(openapi)).toHaveProperty('paths');
      // Plain HTTP on the TLS ports is not answered.
      for (const port of [exporterPort, tlsIngesterPort, tlsApiPort]) {
        const plain = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
        expect(plain, `plain HTTP on ${port}`).not.toMatch(/^# (HELP|TYPE)/m);
      }
    } finally {
      await tlsApi.stop();
      await tlsIngester.stop();
    }
  }, 180_000);
});
