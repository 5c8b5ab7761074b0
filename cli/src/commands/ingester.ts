import type { Command } from 'commander';
import { ingesterConfigSchema, ingesterEnvHelp, startIngester } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { retentionOf, startMaintenance, storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';

export function registerIngester(program: Command): void {
  program
    .command('ingester')
    .description('run the ingester alone: scrape targets every SCRAPE_INTERVAL and accept remote-write on INGESTER_PORT')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...ingesterEnvHelp, ...baseEnvHelp]))
    .action(async () => {
      const config = loadConfig(storageConfigSchema.extend(baseConfigSchema.shape).and(ingesterConfigSchema));
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant-ingester' });
      const shutdown = new Shutdown(log);
      shutdown.onSignals();
      try {
        const { storage, caps } = await startStorage(config, log, shutdown, 'sextant-ingester');
        // Partitions must exist before samples arrive; the advisory lock keeps one round at a time.
        shutdown.add('maintenance', await startMaintenance({ pool: storage.pool, caps, retention: retentionOf(config), log }));
        shutdown.add('ingester', await startIngester({ config, dataDir: config.SEXTANT_DATA_DIR, storage, log }));
      } catch (err) {
        if (!(err instanceof StopRequested)) reportFailure(log, 'start-up', err);
        const clean = await shutdown.stop();
        if (err instanceof StopRequested) process.exitCode = clean ? 0 : 1;
        return;
      }
      process.exitCode = (await shutdown.done) ? 0 : 1;
    });
}
