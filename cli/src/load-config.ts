import { ConfigError, parseConfig } from '@sextant/config';
import type { z } from 'zod';

/** Exit code for a configuration that does not validate (like sysexits' EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** Reads the process environment through `schema`; prints every problem and exits on failure. */
export function loadConfig<S extends z.ZodType>(schema: S): z.output<S> {
  try {
    return parseConfig(schema, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`sextant: ${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}
