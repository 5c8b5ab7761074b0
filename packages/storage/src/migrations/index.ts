import type { Migration } from '../migration.ts';
import { core } from './0001-core.ts';
import { timeseries } from './0002-timeseries.ts';
import { rollups } from './0003-rollups.ts';
import { alerting } from './0004-alerting.ts';
import { sampleBlocks } from './0005-sample-blocks.ts';
import { loginAttempts } from './0006-login-attempts.ts';

/** Every migration, in order. Append only; never edit one that has been released. */
export const migrations: readonly Migration[] = [core, timeseries, rollups, alerting, sampleBlocks, loginAttempts];
