import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ALERT_EVAL_INTERVAL_MS, listRules, prometheusRuleFile } from '@sextant/api';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('alert rules');
  rules
    .command('export')
    .description("Sextant's enabled alert rules as a Prometheus rule file (check it with `promtool check rules`)")
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .addHelpText('after', formatEnvHelp('Environment', [...storageEnvHelp, ...baseEnvHelp]))
    .action(async (options: { out?: string }) => {
      const config = loadConfig(storageConfigSchema.extend(baseConfigSchema.shape));
      const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'sextant-rules' });
      const shutdown = new Shutdown(log);
      try {
        const { storage } = await startStorage(config, log, shutdown, 'sextant-rules');
        const servers = await storage.pool.query<{ id: string; address: string }>('SELECT id, address FROM servers WHERE address IS NOT NULL');
        const text = prometheusRuleFile(await listRules(storage.pool), new Map(servers.rows.map((s) => [s.id, s.address])), ALERT_EVAL_INTERVAL_MS);
        if (options.out === undefined) process.stdout.write(text);
        else await writeFile(options.out, text);
      } catch (err) {
        reportFailure(log, 'rules export', err);
      } finally {
        await shutdown.stop();
      }
    });
}
