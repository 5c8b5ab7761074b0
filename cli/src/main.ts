#!/usr/bin/env node
// The `sextant` command: the one process entry point of every Sextant service.
import { Command } from 'commander';
import { registerExporter } from './commands/exporter.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerUp } from './commands/up.ts';
import { registerUser } from './commands/user.ts';

const program = new Command('sextant')
  .description('Sextant: server monitoring for a Prometheus world.\nConfiguration comes from environment variables; each command lists its own under --help.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', '\nStart here:\n  sextant up          everything on this machine, embedded database included\n  sextant <command> --help');

registerUp(program);
registerMigrate(program);
registerUser(program);
registerExporter(program);

await program.parseAsync(process.argv);
