import { logLevel } from '@sextant/config';
import { z } from 'zod';
import type { EnvDoc } from './env-help.ts';

/** Settings every subcommand reads. */
export const baseConfigSchema = z.object({
  /** pino level; default `info`. */
  LOG_LEVEL: logLevel.default('info'),
});

export const baseEnvHelp: readonly EnvDoc[] = [{ name: 'LOG_LEVEL', default: 'info', description: 'fatal | error | warn | info | debug | trace | silent' }];
