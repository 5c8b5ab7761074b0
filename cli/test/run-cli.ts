import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export const MAIN = path.join(import.meta.dirname, '..', 'src', 'main.ts');

/** Runs `sextant <args>` to completion, with `env` added to a minimal environment. */
export async function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** A running `sextant up` in its own process group, as a terminal would run it. */
export interface RunningUp {
  child: ChildProcess;
  /** Everything printed to stdout so far. */
  stdout(): string;
  /** Sends SIGINT to the whole process group (what Ctrl-C does) and resolves with the exit code. */
  interrupt(): Promise<{ code: number | null; ms: number }>;
  /** SIGKILLs every process of the group at once, as a crash or the OOM killer would. */
  kill(): Promise<void>;
}

const ROOT = path.join(import.meta.dirname, '..', '..');

/**
 * Starts `npm start` (that is, `sextant up`) from the repository root, as a newcomer would, and
 * resolves once its output contains `readyText` (by default the line saying it is up), or rejects
 * with its output.
 */
export async function startUp(env: Record<string, string>, timeoutMs = 90_000, readyText = 'Press Ctrl-C to stop.'): Promise<RunningUp> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sextant up did not come up in ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sextant up exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    stdout: () => stdout,
    kill: async () => {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
    interrupt: async () => {
      const started = Date.now();
      process.kill(-child.pid!, 'SIGINT');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}
