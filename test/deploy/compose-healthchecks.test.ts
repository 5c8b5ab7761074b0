import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@sextant/testkit/process';
import { loadCompose } from './compose-file.ts';

// The health checks of Sextant's containers are inline Node scripts: each one runs here against a
// stand-in server, and must pass on 200, fail on 503 and fail when nothing listens. The paths are
// the contract's (ARCHITECTURE.md): /healthz for the exporter and bridge, /readyz (database
// reachable) for the ingester and API.

const run = promisify(execFile);
const compose = loadCompose();
const checks = Object.entries(compose.services)
  .filter(([, s]) => Array.isArray(s.healthcheck?.test) && s.healthcheck.test[1] === 'node')
  .map(([name, s]) => ({ name, script: (s.healthcheck!.test as string[])[3]! }));

const EXPECTED: Readonly<Record<string, string>> = {
  exporter: 'http://127.0.0.1:9464/healthz',
  ingester: 'http://127.0.0.1:9201/readyz',
  api: 'http://127.0.0.1:8080/readyz',
  bridge: 'http://127.0.0.1:9095/healthz',
};

describe('health checks of the Sextant containers', () => {
  let server: Server;
  let status = 200;
  let base = '';
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('cover every Sextant service that keeps running', () => {
    expect(checks.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(checks)('$name: passes on 200, fails on 503 and when nothing listens', async ({ name, script }) => {
    expect(compose.services[name]!.healthcheck!.test).toEqual(['CMD', 'node', '-e', script]);
    const url = EXPECTED[name]!;
    expect(script).toContain(`'${url}'`);
    const path = new URL(url).pathname;
    const against = (origin: string) => run(process.execPath, ['-e', script.replace(new URL(url).origin, origin)], { timeout: 10_000 });
    status = 200;
    await expect(against(base)).resolves.toBeDefined();
    expect(seen.at(-1)).toBe(path);
    status = 503;
    await expect(against(base)).rejects.toMatchObject({ code: 1 });
    await expect(against(`http://127.0.0.1:${await freePort()}`)).rejects.toMatchObject({ code: 1 });
  });
});
