import { z } from 'zod';

/** A TCP port, 0 meaning "any free port". */
export const port = z.coerce.number().int().min(0).max(65_535);

/** A log level pino understands. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** `true/false/1/0/yes/no` (case-insensitive) as a boolean. */
export const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A PostgreSQL connection string (`postgres://` or `postgresql://`). */
export const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgres:// or postgresql:// URL' });
