import type { Command } from 'commander';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (also done at every start); safe to run twice')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...baseEnvHelp]))
    .action(async () => {
      const config = loadConfig(storageConfigSchema.extend(baseConfigSchema.shape));
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant-migrate' });
      const shutdown = new Shutdown(log);
      try {
        const { applied, where } = await startStorage(config, log, shutdown, 'sextant-migrate');
        process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')} on ${where}\n` : `schema is current on ${where}\n`);
      } catch (err) {
        reportFailure(log, 'migration', err);
      } finally {
        await shutdown.stop();
      }
    });
}
