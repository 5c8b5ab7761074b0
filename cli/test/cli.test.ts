import { readdirSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, freePort } from '@sextant/testkit';
import { runCli, startUp } from './run-cli.ts';

describe('sextant --help', () => {
  it('lists the commands and where to start', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['up', 'migrate', 'user', 'exporter']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(stdout).toContain('sextant up');
  });

  it.each([['up'], ['migrate'], ['exporter'], ['user', 'add']])('documents the environment of %s', async (...command) => {
    const { code, stdout } = await runCli([...command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Environment:');
    expect(stdout).toMatch(command[0] === 'exporter' ? /EXPORTER_PORT/ : /DATABASE_URL/);
  });

  it('rejects an unknown command with help', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).not.toBe(0);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('bad configuration', () => {
  it('prints every problem and exits non-zero', async () => {
    const { code, stderr } = await runCli(['up'], {
      EXPORTER_PORT: 'ninety',
      EXPORTER_COLLECTOR_TIMEOUT: '0',
      RETENTION_SAMPLES: 'forever',
      DATABASE_URL: 'mysql://localhost/x',
      LOG_LEVEL: 'chatty',
    });
    expect(code).toBe(78);
    for (const variable of ['EXPORTER_PORT', 'EXPORTER_COLLECTOR_TIMEOUT', 'RETENTION_SAMPLES', 'DATABASE_URL', 'LOG_LEVEL']) {
      expect(stderr).toMatch(new RegExp(`^\\s+- ${variable}: `, 'm'));
    }
  });
});

// PIDs of PostgreSQL servers whose working directory is `dir` (a server runs in its data directory).
function serversOn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (realpathSync(`/proc/${entry}/cwd`) === realpathSync(dir)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('an unreachable database', () => {
  it.each([['up'], ['migrate']])('stops %s with one clear line and a non-zero status', async (command) => {
    const port = await freePort();
    const { code, stderr } = await runCli([command], { DATABASE_URL: `postgres://x@127.0.0.1:${port}/x`, EXPORTER_PORT: '0', LOG_LEVEL: 'silent' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^sextant: (start-up|migration) failed: cannot reach PostgreSQL: .*ECONNREFUSED.* \[STORAGE_UNAVAILABLE\]$/m);
  });
});

describe('sextant exporter that cannot start', () => {
  it('says why in one line and exits 1', async () => {
    const { code, stderr } = await runCli(['exporter'], {
      EXPORTER_PORT: '0',
      EXPORTER_TLS_CERT_FILE: '/nonexistent/cert.pem',
      EXPORTER_TLS_KEY_FILE: '/nonexistent/key.pem',
      LOG_LEVEL: 'silent',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^sextant: start-up failed: ENOENT.*\/nonexistent\/cert\.pem.* \[ENOENT\]$/m);
    expect(stderr).not.toContain('    at ');
  });
});

describe('sextant up on a fresh data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-up-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ SEXTANT_DATA_DIR: dataDir, EXPORTER_PORT: '0', LOG_LEVEL: 'warn' });

  it('brings up storage and the exporter, stops on Ctrl-C, and keeps its data for the next start', async () => {
    const first = await startUp(env());
    expect(first.stdout()).toMatch(/database\s+embedded PostgreSQL on 127\.0\.0\.1:\d+/);
    expect(first.stdout()).toMatch(/admin\s+user admin, password \S{20}/);
    const exporterUrl = /exporter\s+(http:\/\/\S+\/metrics)/.exec(first.stdout())?.[1];
    expect(exporterUrl).toBeDefined();
    const metrics = await fetch(exporterUrl!);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('node_cpu_seconds_total');
    const stop = await first.interrupt();
    expect(stop.code).toBe(0);
    expect(stop.ms).toBeLessThan(10_000);

    // A user added between runs is still there afterwards, and no new admin is created.
    const added = await runCli(['user', 'add', 'bob', '--role', 'operator', '--password-stdin'], env(), 'correct-horse\n');
    expect(added.code, added.stderr).toBe(0);

    const second = await startUp(env());
    expect(second.stdout()).not.toContain('admin     user');
    expect((await second.interrupt()).code).toBe(0);

    const again = await runCli(['user', 'add', 'bob', '--password-stdin'], env(), 'correct-horse\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a user named "bob" already exists');
  });

  it('stops cleanly on a Ctrl-C that comes while it is still starting', async () => {
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'sextant-up-early-'));
    try {
      const starting = await startUp({ SEXTANT_DATA_DIR: fresh, EXPORTER_PORT: '0', LOG_LEVEL: 'info' }, 90_000, 'initialising embedded PostgreSQL');
      const stop = await starting.interrupt();
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(10_000);
      expect(starting.stdout()).not.toContain('Sextant is up.');
      expect(serversOn(path.join(fresh, 'pg'))).toEqual([]);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('comes back after being killed, with its data', async () => {
    const crashed = await startUp(env());
    await crashed.kill();
    // The embedded PostgreSQL runs in its own process group and survived; the next start takes it over.
    const next = await startUp(env());
    try {
      const added = await runCli(['user', 'add', 'bob', '--password-stdin'], env(), 'correct-horse\n');
      expect(added.stderr).toContain('a user named "bob" already exists');
    } finally {
      expect((await next.interrupt()).code).toBe(0);
    }
  });
});

describe.skipIf(process.env.DATABASE_URL === undefined || process.env.DATABASE_URL === '')('sextant migrate at DATABASE_URL', () => {
  it('applies the migrations once, then reports the schema current', async () => {
    const database = await createServerDatabase(process.env.DATABASE_URL!);
    try {
      const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
      const first = await runCli(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^applied 0001-core, 0002-timeseries, 0003-rollups, 0004-alerting, 0005-sample-blocks, 0006-login-attempts on /);
      const second = await runCli(['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^schema is current on /);
    } finally {
      await database.drop();
    }
  });
});
