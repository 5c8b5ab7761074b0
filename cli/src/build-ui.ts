import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@sextant/log';

/** The checkout's UI workspace; `sextant up` builds it when the API serves its default ui/dist. */
export const UI_WORKSPACE = path.resolve(import.meta.dirname, '../../ui');
const VITE = path.resolve(import.meta.dirname, '../../node_modules/vite/bin/vite.js');

function newestMtime(target: string, depth = 0): number {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory() || depth > 8) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(target).map((entry) => newestMtime(path.join(target, entry), depth + 1)));
}

/**
 * Whether `ui/dist` is missing or older than the UI's sources, for the checkout's own UI only; false
 * where the sources or Vite are not present (an installed package or a UI served from elsewhere).
 */
export function uiBuildNeeded(uiDir: string, workspace = UI_WORKSPACE): boolean {
  if (path.resolve(uiDir) !== path.join(workspace, 'dist') || !existsSync(path.join(workspace, 'index.html')) || !existsSync(VITE)) return false;
  const built = path.join(workspace, 'dist/index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newestMtime(path.join(workspace, p))));
  return sources > statSync(built).mtimeMs;
}

/** `vite build` of the UI workspace (about 5 s); rejects when it fails or takes over `timeoutMs`. */
export function buildUi(workspace = UI_WORKSPACE, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    // A production build whatever the caller's NODE_ENV (vitest sets `test`, which would make Vite
    // bundle Vue's development build and drop the service worker).
    const child = spawn(process.execPath, [VITE, 'build', '--mode', 'production', '--logLevel', 'warn'], {
      cwd: workspace,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: timeoutMs,
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`vite build of the UI failed (${code ?? signal})`))));
  });
}

/** Builds the UI before the API serves it, when it is missing or stale; a failed build is logged, not fatal (the API answers a "not built" page). */
export async function ensureUiBuilt(uiDir: string, log: Logger): Promise<void> {
  if (!uiBuildNeeded(uiDir)) return;
  log.info({ uiDir }, 'building the web UI');
  try {
    await buildUi();
  } catch (err) {
    log.warn({ err }, 'the web UI could not be built; the API runs without it');
  }
}
