import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { mosquittoConf, mosquittoFiles } from '@sextant/api';
import { generateApiToken } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import { storageConfigSchema, storageEnvHelp } from '@sextant/storage';
import { baseConfigSchema, baseEnvHelp } from '../base-config.ts';
import { formatEnvHelp } from '../env-help.ts';
import { loadConfig } from '../load-config.ts';
import { reportFailure } from '../report-failure.ts';
import { Shutdown } from '../shutdown.ts';
import { startStorage } from '../start-storage.ts';

interface MosquittoConfigOptions {
  out: string;
  user?: string[];
  publisher: string;
  port: string;
  homeAssistant?: boolean;
  owner?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerMqtt(program: Command): void {
  const mqtt = program.command('mqtt').description('MQTT fan-out helpers');
  mqtt
    .command('mosquitto-config')
    .description(
      'write a Mosquitto 2 password file, ACL file and configuration that enforce the MQTT contract: only Sextant publishes under sextant/, ' +
        'each subscriber (a user, with a new API token of scope mqtt as password) reads sextant/v1/#, no anonymous access',
    )
    .requiredOption('-o, --out <dir>', 'directory to write passwd, acl, mosquitto.conf and sextant-mqtt.env into')
    .option('-u, --user <name>', 'a Sextant user who may subscribe (repeatable); default every enabled user', collect)
    .option('--publisher <name>', "Sextant's own Mosquitto user name", 'sextant')
    .option('-p, --port <port>', 'port of the Mosquitto listener in mosquitto.conf', '1883')
    .option('--owner <uid:gid>', 'give passwd and acl to this numeric owner, who must read them (Mosquitto started as root reads them as its own user; 1883:1883 in the eclipse-mosquitto image)')
    .addOption(new Option('--home-assistant', 'also let Sextant publish and subscribers read Home Assistant discovery (homeassistant/#)'))
    .addHelpText(
      'after',
      `
Files (existing ones are replaced):
  passwd            Mosquitto password file ($7$ PBKDF2-SHA512 lines, as mosquitto_passwd writes), mode 0600
  acl               Mosquitto ACL file: the publisher reads and writes sextant/#, subscribers read sextant/v1/#
  mosquitto.conf    a configuration using both (include it, or copy its lines into yours)
  sextant-mqtt.env  MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD for Sextant, mode 0600

Each subscriber logs in with their user name and the printed token (also valid at Sextant's own
broker with the user name "token"). Tokens are shown once; revoking one in Sextant takes effect at
Mosquitto when the files are generated again and Mosquitto reloads them (SIGHUP).

Example:
  sextant mqtt mosquitto-config --out /etc/mosquitto/sextant --user alice
  mosquitto_sub -h 127.0.0.1 -u alice -P 'sxt_…' -t 'sextant/v1/#' -v

Mosquitto started as root switches to its own user before it reads passwd (mode 0600): give the
files to that user with --owner (e.g. --owner 1883:1883 for the eclipse-mosquitto image, or the
uid:gid of "mosquitto" from Debian's package), or run Mosquitto as the files' owner.
${formatEnvHelp('Environment', [...storageEnvHelp, ...baseEnvHelp])}`,
    )
    .action(async (options: MosquittoConfigOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        process.stderr.write(`sextant: --port must be a TCP port, not ${options.port}\n`);
        process.exitCode = 2;
        return;
      }
      const owner = /^(\d+):(\d+)$/.exec(options.owner ?? '0:0');
      if (owner === null) {
        process.stderr.write(`sextant: --owner must be <uid>:<gid> (numbers), not ${options.owner}\n`);
        process.exitCode = 2;
        return;
      }
      const config = loadConfig(storageConfigSchema.extend(baseConfigSchema.shape));
      const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'sextant-mqtt' });
      const shutdown = new Shutdown(log);
      try {
        const { storage } = await startStorage(config, log, shutdown, 'sextant-mqtt');
        const wanted = options.user ?? [];
        const users = (
          await storage.pool.query<{ id: string; username: string }>(
            'SELECT id, username FROM users WHERE NOT disabled AND ($1::text[] = \'{}\' OR username = ANY($1)) ORDER BY username',
            [wanted],
          )
        ).rows;
        const missing = wanted.filter((name) => !users.some((u) => u.username === name));
        if (missing.length > 0 || users.length === 0) {
          process.stderr.write(`sextant: ${missing.length > 0 ? `no enabled user named ${missing.join(', ')}` : 'there is no enabled user'}\n`);
          process.exitCode = 1;
          return;
        }
        if (users.some((u) => u.username === options.publisher)) {
          process.stderr.write(`sextant: the publisher name "${options.publisher}" is also a user's name; choose another with --publisher\n`);
          process.exitCode = 1;
          return;
        }
        const subscribers: { username: string; password: string }[] = [];
        for (const user of users) {
          const { token, hash } = generateApiToken();
          await storage.pool.query("INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'mosquitto', $2, '{mqtt}')", [user.id, hash]);
          subscribers.push({ username: user.username, password: token });
        }
        const publisher = { username: options.publisher, password: randomBytes(32).toString('base64url') };
        const files = mosquittoFiles({ publisher, subscribers, ...(options.homeAssistant === true ? { homeAssistantPrefix: 'homeassistant' } : {}) });
        const dir = path.resolve(options.out);
        await mkdir(dir, { recursive: true });
        const secret = async (name: string, text: string) => {
          await writeFile(path.join(dir, name), text, { mode: 0o600 });
          await chmod(path.join(dir, name), 0o600);
        };
        await secret('passwd', files.passwd);
        await writeFile(path.join(dir, 'acl'), files.acl);
        if (options.owner !== undefined) {
          for (const name of ['passwd', 'acl']) await chown(path.join(dir, name), Number(owner[1]), Number(owner[2]));
        }
        await writeFile(path.join(dir, 'mosquitto.conf'), mosquittoConf({ passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl'), port }));
        await secret('sextant-mqtt.env', `MQTT_URL=mqtt://127.0.0.1:${port}\nMQTT_USERNAME=${publisher.username}\nMQTT_PASSWORD=${publisher.password}\n`);
        process.stdout.write(
          `wrote passwd, acl, mosquitto.conf and sextant-mqtt.env to ${dir}\n` +
            `subscribers (user name and password; the tokens are shown once):\n` +
            subscribers.map((s) => `  ${s.username}  ${s.password}\n`).join('') +
            `Sextant publishes as "${publisher.username}" with the settings in sextant-mqtt.env.\n`,
        );
      } catch (err) {
        reportFailure(log, 'mqtt mosquitto-config', err);
      } finally {
        await shutdown.stop();
      }
    });
}
