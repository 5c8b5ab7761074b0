import type { Command } from 'commander';
import { bridgeConfigSchema, bridgeEnvHelp, startBridge } from '@sextant/alertmanager-bridge';
import { apiConfigSchema, apiEnvHelp, mqttConfigSchema, mqttEnvHelp } from '@sextant/api';
import { port } from '@sextant/config';
import { exporterConfigSchema, exporterEnvHelp, startExporter } from '@sextant/exporter';
import { ingesterConfigSchema, ingesterEnvHelp, startIngester } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { retentionOf, startMaintenance, storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema } from '../base-config.ts';
import { ensureUiBuilt } from '../build-ui.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';
import { startApiAndMqtt } from '../start-api-and-mqtt.ts';
import { startStorage } from '../start-storage.ts';
import { adminConfigSchema, adminEnvHelp, bootstrapAdmin } from '../bootstrap-admin.ts';

const upConfigSchema = storageConfigSchema
  .extend(exporterConfigSchema.shape)
  .extend(ingesterConfigSchema.shape)
  .extend(baseConfigSchema.shape)
  .extend(apiConfigSchema.shape)
  .extend(mqttConfigSchema.shape)
  // Unset: 1883, or a free port when another broker holds 1883.
  .extend({ MQTT_PORT: port.optional() })
  .extend(adminConfigSchema.shape)
  .extend(bridgeConfigSchema.shape);

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the whole stack in one process: database (embedded unless DATABASE_URL), exporter, and every service')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...adminEnvHelp, ...exporterEnvHelp, ...ingesterEnvHelp, ...apiEnvHelp, ...mqttEnvHelp, ...bridgeEnvHelp]))
    .action(async () => {
      const config = loadConfig(upConfigSchema);
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant' });
      const shutdown = new Shutdown(log);
      shutdown.onSignals();
      const lines: string[] = [];
      try {
        const { storage, caps, where } = await startStorage(config, log, shutdown, 'sextant');
        lines.push(`  database  ${where}`);
        shutdown.add('maintenance', await startMaintenance({ pool: storage.pool, caps, retention: retentionOf(config), log }));
        const admin = await bootstrapAdmin(storage.pool, config);
        if (admin !== undefined) lines.push(admin);
        const exporter = shutdown.add('exporter', await startExporter({ config, log }));
        lines.push(`  exporter  ${exporter.url}/metrics`);
        const local = { address: new URL(exporter.url).host, job: config.SCRAPE_JOB, labels: {}, bearerToken: config.EXPORTER_BEARER_TOKEN };
        const ingester = shutdown.add('ingester', await startIngester({ config, dataDir: config.SEXTANT_DATA_DIR, storage, log, extraTargets: [local] }));
        lines.push(`  ingester  ${ingester.url}/api/v1/write  (scraping ${local.address} every ${config.SCRAPE_INTERVAL / 1000}s)`);
        await ensureUiBuilt(config.API_UI_DIR, log);
        lines.push(...(await startApiAndMqtt({ config: { ...config, MQTT_PORT: config.MQTT_PORT }, storage, caps, log, shutdown })));
        const bridge = shutdown.add('bridge', await startBridge({ config, storage, log }));
        lines.push(`  bridge    ${bridge.url}/api/alertmanager/webhook  (to Alertmanager: ${config.ALERTMANAGER_URL?.join(', ') ?? 'off, set ALERTMANAGER_URL'})`);
      } catch (err) {
        if (!(err instanceof StopRequested)) reportFailure(log, 'start-up', err);
        const clean = await shutdown.stop();
        if (err instanceof StopRequested) process.exitCode = clean ? 0 : 1;
        return;
      }
      process.stdout.write(`\nSextant is up.\n${lines.join('\n')}\nPress Ctrl-C to stop.\n\n`);
      const clean = await shutdown.done;
      process.stdout.write(clean ? 'Sextant stopped.\n' : 'Sextant stopped, not cleanly (see log).\n');
      process.exitCode = clean ? 0 : 1;
    });
}
