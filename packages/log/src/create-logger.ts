import { pino } from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level; default `info`. */
  level?: LevelWithSilent;
  /** Name of the process or service, logged as `name`. */
  name?: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

// Fields that may carry credentials anywhere in a log object.
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'connectionString',
  '*.connectionString',
  'databaseUrl',
  '*.databaseUrl',
];

/** The root logger of a process: JSON lines, secrets redacted; modules take `log.child({module})`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}
