import type { Command } from 'commander';
import { z } from 'zod';
import { exporterConfigSchema, exporterEnvHelp, startExporter } from '@sextant/exporter';
import { createLogger } from '@sextant/log';
import { retentionOf, startMaintenance, storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown, StopRequested } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';
import { createUser, generatePassword, hasUsers } from '../users.ts';

const upConfigSchema = storageConfigSchema
  .extend(exporterConfigSchema.shape)
  .extend(baseConfigSchema.shape)
  .extend({
    /** Name of the admin created when no user exists. Default `admin`. */
    SEXTANT_ADMIN_USER: z.string().min(1).default('admin'),
    /** Password of that admin; default generated and printed once. */
    SEXTANT_ADMIN_PASSWORD: z.string().min(8, 'must have at least 8 characters').optional(),
  });

const adminEnvHelp = [
  { name: 'SEXTANT_ADMIN_USER', default: 'admin', description: 'admin created when no user exists' },
  { name: 'SEXTANT_ADMIN_PASSWORD', default: 'generated, printed once', description: 'password of that admin' },
];

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the whole stack in one process: database (embedded unless DATABASE_URL), exporter, and every service')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...adminEnvHelp, ...exporterEnvHelp]))
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
        if (!(await hasUsers(storage.pool))) {
          const password = config.SEXTANT_ADMIN_PASSWORD ?? generatePassword();
          await createUser(storage.pool, { username: config.SEXTANT_ADMIN_USER, password, role: 'admin' });
          const shown = config.SEXTANT_ADMIN_PASSWORD === undefined ? `password ${password}  (shown once: keep it)` : 'password from SEXTANT_ADMIN_PASSWORD';
          lines.push(`  admin     user ${config.SEXTANT_ADMIN_USER}, ${shown}`);
        }
        const exporter = shutdown.add('exporter', await startExporter({ config, log }));
        lines.push(`  exporter  ${exporter.url}/metrics`);
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
