import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoFiles } from '@sextant/api';
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';
import { COMPOSE_DIR } from './compose-file.ts';

// compose/mosquitto/mosquitto.conf with the files `sextant mqtt mosquitto-config` writes, run by a
// real Mosquitto: Sextant's login publishes, a subscriber reads, anonymous clients are refused
// (ARCHITECTURE.md MQTT contract). Only paths and the port differ from the container.

const run = promisify(execFile);
const MOSQUITTO = findPeer('mosquitto', ['/usr/sbin/mosquitto']);
const PUB = findPeer('mosquitto_pub', ['/usr/bin/mosquitto_pub']);
const SUB = findPeer('mosquitto_sub', ['/usr/bin/mosquitto_sub']);
const missing = MOSQUITTO === undefined || PUB === undefined || SUB === undefined;

describe.skipIf(missing)("compose's Mosquitto configuration", () => {
  let dir = '';
  let port = 0;
  let broker: ChildProcess | undefined;
  const publisher = { username: 'sextant', password: 'publisher-secret-0123456789' };
  const subscriber = { username: 'alice', password: 'sxt_subscriber_token_0123456789' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-mosquitto-'));
    await chmod(dir, 0o755);
    await mkdir(path.join(dir, 'data'), { mode: 0o777 });
    await chmod(path.join(dir, 'data'), 0o777);
    const files = mosquittoFiles({ publisher, subscribers: [subscriber] });
    await writeFile(path.join(dir, 'passwd'), files.passwd, { mode: 0o644 });
    await writeFile(path.join(dir, 'acl'), files.acl, { mode: 0o644 });
    port = await freePort();
    const conf = (await readFile(path.join(COMPOSE_DIR, 'mosquitto/mosquitto.conf'), 'utf8'))
      .replaceAll('/mosquitto/auth/', `${dir}/`)
      .replaceAll('/mosquitto/data/', `${dir}/data/`)
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`);
    expect(conf).toContain(`listener ${port} 127.0.0.1`);
    await writeFile(path.join(dir, 'mosquitto.conf'), conf, { mode: 0o644 });
    broker = spawn(MOSQUITTO!, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitFor(
      'Mosquitto listening',
      () =>
        new Promise<true | undefined>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.end();
            resolve(true);
          });
          socket.on('error', () => resolve(undefined));
        }),
      { attempts: 100, timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  afterAll(async () => {
    await stopChild(broker, 5000);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const pub = (args: string[]) => run(PUB!, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });

  it("lets Sextant's login publish and a subscriber read sextant/v1/#", async () => {
    await pub(['-u', publisher.username, '-P', publisher.password, '-t', 'sextant/v1/servers/x/status', '-r', '-q', '1', '-m', '{"status":"up"}']);
    const { stdout } = await run(SUB!, ['-h', '127.0.0.1', '-p', String(port), '-u', subscriber.username, '-P', subscriber.password, '-t', 'sextant/v1/#', '-C', '1', '-W', '5'], { timeout: 10_000 });
    expect(stdout.trim()).toBe('{"status":"up"}');
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(pub(['-t', 'sextant/v1/x', '-m', 'x'])).rejects.toThrow(/not authori[sz]ed|refused/i);
    await expect(pub(['-u', publisher.username, '-P', 'wrong', '-t', 'sextant/v1/x', '-m', 'x'])).rejects.toThrow(/not authori[sz]ed|refused/i);
  });
});
