import type { Command } from 'commander';
import { apiConfigSchema, apiEnvHelp, mqttConfigSchema, mqttEnvHelp } from '@sextant/api';
import { port } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { adminConfigSchema, adminEnvHelp, bootstrapAdmin } from '../bootstrap-admin.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';
import { startApiAndMqtt } from '../start-api-and-mqtt.ts';
import { startStorage } from '../start-storage.ts';

const apiCommandSchema = storageConfigSchema
  .extend(apiConfigSchema.shape)
  .extend(mqttConfigSchema.shape)
  .extend({ MQTT_PORT: port.optional() })
  .extend(adminConfigSchema.shape)
  .extend(baseConfigSchema.shape);

export function registerApi(program: Command): void {
  program
    .command('api')
    .description('the HTTP API alone (auth, users, tokens, servers, metrics, OpenAPI at /api/openapi.json), serving the built UI at /')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...apiEnvHelp, ...mqttEnvHelp, ...adminEnvHelp, ...baseEnvHelp]))
    .action(async () => {
      const config = loadConfig(apiCommandSchema);
      const log = createLogger({ level: config.LOG_LEVEL, name: 'sextant-api' });
      const shutdown = new Shutdown(log);
      shutdown.onSignals();
      const lines: string[] = [];
      try {
        const { storage, caps, where } = await startStorage(config, log, shutdown, 'sextant-api');
        lines.push(`  database  ${where}`);
        const admin = await bootstrapAdmin(storage.pool, config);
        if (admin !== undefined) lines.push(admin);
        lines.push(...(await startApiAndMqtt({ config: { ...config, MQTT_PORT: config.MQTT_PORT }, storage, caps, log, shutdown })));
      } catch (err) {
        if (!(err instanceof StopRequested)) reportFailure(log, 'start-up', err);
        const clean = await shutdown.stop();
        if (err instanceof StopRequested) process.exitCode = clean ? 0 : 1;
        return;
      }
      process.stdout.write(`\nSextant API is up.\n${lines.join('\n')}\nPress Ctrl-C to stop.\n\n`);
      process.exitCode = (await shutdown.done) ? 0 : 1;
    });
}
