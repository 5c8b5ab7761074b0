import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { MQTT_TOPIC_ROOT } from '@sextant/contracts';

/**
 * Iterations of Mosquitto's PBKDF2-SHA512 hash. `mosquitto_passwd` 2.0 writes 101 and Mosquitto
 * reads the count from each line; the passwords here are 256-bit random secrets, so more rounds
 * would buy nothing but slower logins.
 */
export const MOSQUITTO_PBKDF2_ITERATIONS = 101;

/**
 * One line of a Mosquitto 2 password file: `user:$7$<iterations>$<salt>$<hash>`, where `$7$` is
 * PBKDF2-HMAC-SHA512 over the password with a 12-byte random salt, 64-byte key, both base64 — the
 * format `mosquitto_passwd` writes (mosquitto `src/password_mosq.c`, `PW_SHA512_PBKDF2`).
 */
export function mosquittoPasswordLine(username: string, password: string, options: { iterations?: number; salt?: Buffer } = {}): string {
  if (username === '' || /[:\s]/.test(username)) throw new TypeError(`not usable as a Mosquitto user name: ${JSON.stringify(username)}`);
  const iterations = options.iterations ?? MOSQUITTO_PBKDF2_ITERATIONS;
  const salt = options.salt ?? randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `${username}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface MosquittoAccounts {
  /** Sextant's own login: the only one that may write under `sextant/` (and the discovery prefix). */
  publisher: { username: string; password: string };
  /** Read-only logins: a user's name and one of their API tokens with the `mqtt` scope. */
  subscribers: readonly { username: string; password: string }[];
  /** Home Assistant discovery prefix, when Sextant publishes discovery configs. */
  homeAssistantPrefix?: string;
}

/** The files of a Mosquitto set-up that enforces the MQTT contract; see `mosquittoConf`. */
export interface MosquittoFiles {
  passwd: string;
  acl: string;
}

/**
 * A password file and an ACL file for Mosquitto 2: the publisher reads and writes `sextant/#`
 * (and the Home Assistant prefix); each subscriber reads `sextant/v1/#` (and the prefix) and writes
 * nothing. With `acl_file` set, Mosquitto refuses every topic an ACL does not grant.
 */
export function mosquittoFiles(accounts: MosquittoAccounts): MosquittoFiles {
  const all = [accounts.publisher, ...accounts.subscribers];
  const names = new Set(all.map((a) => a.username));
  if (names.size !== all.length) throw new TypeError('every Mosquitto account needs its own user name');
  const ha = accounts.homeAssistantPrefix;
  const acl = [
    '# Sextant MQTT ACL (sextant mqtt mosquitto-config). Only Sextant publishes under sextant/.',
    '',
    `user ${accounts.publisher.username}`,
    'topic readwrite sextant/#',
    ...(ha === undefined ? [] : [`topic readwrite ${ha}/#`]),
    ...accounts.subscribers.flatMap((s) => ['', `user ${s.username}`, `topic read ${MQTT_TOPIC_ROOT}/#`, ...(ha === undefined ? [] : [`topic read ${ha}/#`, `topic write ${ha}/status`])]),
    '',
  ].join('\n');
  return { passwd: `${all.map((a) => mosquittoPasswordLine(a.username, a.password)).join('\n')}\n`, acl };
}

/** A Mosquitto 2 configuration using the two files: no anonymous access, one TCP listener. */
export function mosquittoConf(options: { passwordFile: string; aclFile: string; port: number; host?: string; websocketsPort?: number }): string {
  return [
    '# Sextant: MQTT fan-out with logins (sextant mqtt mosquitto-config)',
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${options.passwordFile}`,
    `acl_file ${options.aclFile}`,
    `listener ${options.port}${options.host === undefined ? '' : ` ${options.host}`}`,
    ...(options.websocketsPort === undefined ? [] : [`listener ${options.websocketsPort}${options.host === undefined ? '' : ` ${options.host}`}`, 'protocol websockets']),
    '',
  ].join('\n');
}
