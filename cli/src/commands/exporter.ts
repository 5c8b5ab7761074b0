import { flushCompileCache } from 'node:module';
import type { Command } from 'commander';
import { exporterConfigSchema, exporterEnvHelp, startExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';

export function registerExporter(program: Command): void {
  program
    .command('exporter')
    .description('run the host exporter alone: node_exporter-compatible /metrics on EXPORTER_PORT')
    .addHelpText('after', formatEnvHelp('Environment', exporterEnvHelp))
    .action(async () => {
      const config = loadConfig(exporterConfigSchema);
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant-exporter' });
      const shutdown = new Shutdown(log);
      shutdown.onSignals();
      try {
        shutdown.add('exporter', await startExporter({ config, log }));
      } catch (err) {
        if (!(err instanceof StopRequested)) reportFailure(log, 'start-up', err);
        const clean = await shutdown.stop();
        if (err instanceof StopRequested) process.exitCode = clean ? 0 : 1;
        return;
      }
      // With NODE_COMPILE_CACHE set (the systemd unit does), write the cache now, not only at a clean
      // exit: starts that hit it never load the TypeScript stripper (~17 MiB of RSS).
      flushCompileCache();
      process.exitCode = (await shutdown.done) ? 0 : 1;
    });
}
