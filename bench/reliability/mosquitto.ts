// A Mosquitto broker of its own on a free loopback port, that can be stopped and started again on
// the same port (the broker-restart fault).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, stopChild, waitFor } from '@sextant/testkit/process';

export interface RunningMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `binary` with a config of its own: loopback listener, anonymous clients, no persistence. */
export async function startMosquitto(binary: string): Promise<RunningMosquitto> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  let child: ChildProcess | undefined;
  const broker: RunningMosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(binary, ['-c', conf], { stdio: 'ignore' });
      await waitFor(`mosquitto on ${port}`, async () => ((await accepts(port)) ? true : undefined), { timeoutMs: 15_000 });
    },
    async stop() {
      await stopChild(child);
      child = undefined;
    },
    async close() {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
