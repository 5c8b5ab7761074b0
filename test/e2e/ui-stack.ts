import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { findPeer, stopChild, waitFor } from '@sextant/testkit/process';
import { buildUi, UI_WORKSPACE, uiBuildNeeded } from '../../cli/src/build-ui.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Debian's Chromium, or undefined (a skip outside CI, a failure in CI). */
export const findChromium = (): string | undefined => findPeer('chromium', ['/usr/bin/chromium']);

/** Builds ui/dist when it is missing or older than its sources, as `sextant up` does. */
export async function ensureUi(): Promise<void> {
  if (uiBuildNeeded(path.join(UI_WORKSPACE, 'dist'))) await buildUi();
}

export interface UiStack {
  url: string;
  adminPassword: string;
  close(): Promise<void>;
}

/**
 * `sextant up` on a fresh database (one made on the server at `databaseUrl`, or its own embedded
 * PostgreSQL without one), every port free, a short scrape interval; answers its URL and admin password.
 */
export async function startUiStack(databaseUrl: string | undefined, scrapeInterval = '1s'): Promise<UiStack> {
  const database: TestDatabase | undefined = databaseUrl === undefined || databaseUrl === '' ? undefined : await createServerDatabase(databaseUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-ui-'));
  let child: ChildProcess | undefined;
  const close = async () => {
    await stopChild(child, 15_000);
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    child = spawn(process.execPath, [path.join(ROOT, 'cli/src/main.ts'), 'up'], {
      cwd: ROOT,
      env: {
        ...withoutDatabaseUrl(process.env),
        ...(database === undefined ? {} : { DATABASE_URL: database.url }),
        SEXTANT_DATA_DIR: dataDir,
        SCRAPE_INTERVAL: scrapeInterval,
        API_PORT: '0',
        EXPORTER_PORT: '0',
        INGESTER_PORT: '0',
        BRIDGE_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const started = child;
    const { url, adminPassword } = await waitFor(
      'sextant up to print its URL',
      () => {
        if (started.exitCode !== null) throw new Error(`sextant up exited: ${out}`);
        const api = /\bapi\s+(http:\/\/\S+)/.exec(out);
        const admin = /password (\S+)/.exec(out);
        return Promise.resolve(api !== null && admin !== null ? { url: api[1]!, adminPassword: admin[1]! } : undefined);
      },
      { timeoutMs: 60_000, attempts: 600 },
    );
    return { url, adminPassword, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _omitted, ...rest } = env;
  return rest;
}

/** Headless Chromium as the machine allows it (root: no sandbox; closed network: no background fetches); Playwright gives it a fresh profile. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--headless=new', '--no-first-run', '--disable-sync'],
  });
}

/** Calls the API as `username`, answering parsed JSON; throws on a non-2xx answer. */
export async function apiCall<T>(base: string, token: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(base + route, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function loginToken(base: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}
