import path from 'node:path';
import { positiveDuration, postgresUrl } from '@sextant/config';
import { z } from 'zod';

const DAY = 86_400_000;

/** Storage settings, read from the environment by `parseConfig(storageConfigSchema, env)`. */
export const storageConfigSchema = z.object({
  /** PostgreSQL/TimescaleDB to use; unset → embedded PostgreSQL under `SEXTANT_DATA_DIR/pg`. */
  DATABASE_URL: postgresUrl.optional(),
  /** Where the embedded database, generated secrets and buffers live. Default `./data`. */
  SEXTANT_DATA_DIR: z.string().default('./data').transform((p) => path.resolve(p)),
  /** `auto` uses TimescaleDB when the server offers it; `require` fails without it; `off` never uses it. */
  SEXTANT_TIMESCALEDB: z.enum(['auto', 'require', 'off']).default('auto'),
  /** How long raw samples are kept. Default 15d. */
  RETENTION_SAMPLES: positiveDuration.default(15 * DAY),
  /** How long raw per-scrape snapshots are kept. Default 30d. */
  RETENTION_SNAPSHOTS: positiveDuration.default(30 * DAY),
  /** How long hourly rollups are kept. Default 400d. */
  RETENTION_ROLLUPS: positiveDuration.default(400 * DAY),
});

export type StorageConfig = z.output<typeof storageConfigSchema>;

/** The retention part of the config, in milliseconds. */
export interface Retention {
  samplesMs: number;
  snapshotsMs: number;
  rollupsMs: number;
}

export function retentionOf(config: StorageConfig): Retention {
  return {
    samplesMs: config.RETENTION_SAMPLES,
    snapshotsMs: config.RETENTION_SNAPSHOTS,
    rollupsMs: config.RETENTION_ROLLUPS,
  };
}

/** Documentation of each variable for `--help`. */
export const storageEnvHelp = [
  { name: 'DATABASE_URL', default: 'embedded PostgreSQL', description: 'PostgreSQL 15+ / TimescaleDB connection string' },
  { name: 'SEXTANT_DATA_DIR', default: './data', description: 'embedded database, generated secrets, buffers' },
  { name: 'SEXTANT_TIMESCALEDB', default: 'auto', description: 'auto | require | off: use the TimescaleDB extension' },
  { name: 'RETENTION_SAMPLES', default: '15d', description: 'keep raw samples this long' },
  { name: 'RETENTION_SNAPSHOTS', default: '30d', description: 'keep raw per-scrape snapshots this long' },
  { name: 'RETENTION_ROLLUPS', default: '400d', description: 'keep hourly rollups this long' },
] as const;
