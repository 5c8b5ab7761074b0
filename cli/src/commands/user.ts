import { text } from 'node:stream/consumers';
import { Option } from 'commander';
import type { Command } from 'commander';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';
import { createUser, generatePassword } from '../users.ts';
import type { Role } from '../users.ts';

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users');
  user
    .command('add')
    .description('create a user; the password is read from stdin with --password-stdin, else generated and printed once')
    .argument('<username>', 'login name')
    .addOption(new Option('-r, --role <role>', 'what the user may do').choices(['admin', 'operator', 'viewer']).default('viewer'))
    .option('--password-stdin', 'read the password from standard input (first line)')
    .addHelpText('after', `\nExample:\n  echo 's3cret-pass' | sextant user add alice --role operator --password-stdin\n${formatEnvHelp('Environment', [...storageEnvHelp, ...baseEnvHelp])}`)
    .action(async (username: string, options: { role: Role; passwordStdin?: boolean }) => {
      const config = loadConfig(storageConfigSchema.extend(baseConfigSchema.shape));
      const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'sextant-user' });
      const password = options.passwordStdin === true ? (await text(process.stdin)).split('\n')[0]!.trim() : generatePassword();
      if (password.length < 8) {
        process.stderr.write('sextant: the password must have at least 8 characters\n');
        process.exitCode = 2;
        return;
      }
      const shutdown = new Shutdown(log);
      try {
        const { storage } = await startStorage(config, log, shutdown, 'sextant-user');
        await createUser(storage.pool, { username, password, role: options.role });
        process.stdout.write(`created ${options.role} "${username}"${options.passwordStdin === true ? '' : ` with password ${password}`}\n`);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          process.stderr.write(`sextant: a user named "${username}" already exists\n`);
          process.exitCode = 1;
        } else {
          reportFailure(log, 'user add', err);
        }
      } finally {
        await shutdown.stop();
      }
    });
}
