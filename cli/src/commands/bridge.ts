import type { Command } from 'commander';
import { bridgeConfigSchema, bridgeEnvHelp, startBridge } from '@sextant/alertmanager-bridge';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';

const bridgeCommandSchema = storageConfigSchema.extend(bridgeConfigSchema.shape).extend(baseConfigSchema.shape);

export function registerBridge(program: Command): void {
  program
    .command('bridge')
    .description("the Alertmanager bridge: Sextant's alerts to ALERTMANAGER_URL, Alertmanager's webhook (POST /api/alertmanager/webhook) to Sextant's alerts")
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...bridgeEnvHelp, ...baseEnvHelp]))
    .action(async () => {
      const config = loadConfig(bridgeCommandSchema);
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant-bridge' });
      const shutdown = new Shutdown(log);
      shutdown.onSignals();
      let url: string;
      try {
        const { storage } = await startStorage(config, log, shutdown, 'sextant-bridge');
        url = shutdown.add('bridge', await startBridge({ config, storage, log })).url;
      } catch (err) {
        if (!(err instanceof StopRequested)) reportFailure(log, 'start-up', err);
        const clean = await shutdown.stop();
        if (err instanceof StopRequested) process.exitCode = clean ? 0 : 1;
        return;
      }
      const outbound = config.ALERTMANAGER_URL === undefined ? 'off (ALERTMANAGER_URL unset)' : config.ALERTMANAGER_URL.join(', ');
      process.stdout.write(`\nSextant bridge is up.\n  webhook   ${url}/api/alertmanager/webhook\n  outbound  ${outbound}\nPress Ctrl-C to stop.\n\n`);
      process.exitCode = (await shutdown.done) ? 0 : 1;
    });
}
