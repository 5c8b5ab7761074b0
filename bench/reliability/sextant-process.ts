// Runs `sextant <command>` as a real child process (what a deployment runs), keeps every log line
// it writes, and can stop it cleanly or kill it outright; used by the fault suite and the soak.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopChild, waitForHttp } from '@sextant/testkit/process';

const MAIN = path.resolve(import.meta.dirname, '../../cli/src/main.ts');

/** A running `sextant <command>`. */
export interface SextantProcess {
  readonly command: string;
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far, from every start of this process. */
  readonly lines: string[];
  pid(): number;
  /** SIGKILL: no shutdown code runs (a crash, the OOM killer). Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface StartOptions {
  command: 'api' | 'ingester' | 'exporter' | 'bridge' | 'migrate' | 'up';
  env: Record<string, string>;
  /** Answers 2xx once the process is ready; default: none (resolves once spawned). */
  readyUrl?: string;
  /** Lines kept from earlier runs of the same service (so a restart's log continues it). */
  lines?: string[];
  readyTimeoutMs?: number;
}

/**
 * Node options every Sextant process starts with: the `sextant` shebang, the npm scripts and the
 * image's entry point carry them (test/deploy/compose.test.ts holds them equal). Without
 * allocation-site pretenuring a remote-write request's objects, alive until its COMMIT, are not
 * allocated where only a full collection frees them.
 */
export const SEXTANT_NODE_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

/** Node options of one command, as compose/compose.yaml runs it: the API's young generation is bounded. */
export function nodeFlags(command: StartOptions['command']): string[] {
  return [...SEXTANT_NODE_FLAGS, ...(command === 'api' ? ['--max-semi-space-size=16'] : [])];
}

/** Spawns `node cli/src/main.ts <command>` with `env` on top of this process's PATH and HOME only. */
export async function startSextant(options: StartOptions): Promise<SextantProcess> {
  const lines = options.lines ?? [];
  const child = spawn(process.execPath, [...nodeFlags(options.command), MAIN, options.command], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      // Bounded: the last 200k lines are plenty for any grep.
      lines.push(...parts);
      if (lines.length > 200_000) lines.splice(0, lines.length - 200_000);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: SextantProcess = {
    command: options.command,
    child,
    lines,
    pid: () => child.pid ?? -1,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child, 10_000),
  };
  if (options.readyUrl !== undefined) {
    const failed = exited.then(() => {
      throw new Error(`sextant ${options.command} exited during start-up (${child.exitCode ?? child.signalCode}):\n${lines.slice(-30).join('\n')}`);
    });
    try {
      await Promise.race([waitForHttp(options.readyUrl, { timeoutMs: options.readyTimeoutMs ?? 90_000, attempts: 2_000, intervalMs: 200 }), failed]);
    } catch (err) {
      await proc.kill();
      throw err;
    }
  }
  return proc;
}
