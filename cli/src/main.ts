#!/usr/bin/env -S node --no-allocation-site-pretenuring
// The `sextant` command: the one process entry point of every Sextant service.
import { Command } from 'commander';

type Register = (program: Command) => void;

// Each command's module (and what it pulls in) is imported only when it may run. Naming a command
// registers just that one, so `sextant exporter` never loads storage, pg, slonik, umzug or argon2
// (~10 MiB of the exporter's RSS); anything else (`--help`, `help <command>`, a typo) registers
// all of them, in this order, so help and unknown-command errors read as before.
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  up: async () => (await import('./commands/up.ts')).registerUp,
  migrate: async () => (await import('./commands/migrate.ts')).registerMigrate,
  user: async () => (await import('./commands/user.ts')).registerUser,
  exporter: async () => (await import('./commands/exporter.ts')).registerExporter,
  ingester: async () => (await import('./commands/ingester.ts')).registerIngester,
  api: async () => (await import('./commands/api.ts')).registerApi,
  mqtt: async () => (await import('./commands/mqtt.ts')).registerMqtt,
  bridge: async () => (await import('./commands/bridge.ts')).registerBridge,
  rules: async () => (await import('./commands/rules.ts')).registerRules,
};

const program = new Command('sextant')
  .description('Sextant: server monitoring for a Prometheus world.\nConfiguration comes from environment variables; each command lists its own under --help.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', '\nStart here:\n  sextant up          everything on this machine, embedded database included\n  sextant <command> --help');

// The program has no option taking a value, so the first non-option argument is the command.
const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const chosen = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const name of chosen) (await COMMANDS[name]!())(program);

await program.parseAsync(process.argv);
