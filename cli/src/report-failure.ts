import type { Logger } from '@sextant/log';

/** Logs `err` and tells the person at the terminal, in one line, why the command stopped; sets exit code 1. */
export function reportFailure(log: Logger, what: string, err: unknown): void {
  log.fatal({ err }, `${what} failed`);
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  process.stderr.write(`sextant: ${what} failed: ${message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
  process.exitCode = 1;
}
