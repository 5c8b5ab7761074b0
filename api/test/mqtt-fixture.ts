// Shared set-up of the MQTT tests: a migrated database with users, tokens and servers; committed
// snapshots with the ingester's notification; mosquitto_sub and mqtt.js subscribers.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';
import { generateApiToken, hashPassword } from '@sextant/auth';
import type { Role, TokenScope } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { stopChild, waitFor } from '@sextant/testkit/process';
import type { TestBackend, TestDatabase } from '@sextant/testkit';
import { JWT_AUDIENCE, JWT_ISSUER, verifyAccessToken } from '../src/auth/access-token.ts';
import type { AccessTokenVerifier } from '../src/mqtt/index.ts';

export const log = createLogger({ level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const JWT_SECRET = 'mqtt-test-secret-mqtt-test-secret-0123456789';

const keys = { algorithm: 'HS256', signingKey: JWT_SECRET, verifyingKey: JWT_SECRET } as const;

/** An access JWT as the API signs them (sub = user id), with any lifetime, negative for an expired one. */
export function signJwt(userId: string, name: string, expiresInS: number): string {
  return jwt.sign({ name, role: 'viewer' }, JWT_SECRET, { algorithm: 'HS256', subject: userId, expiresIn: expiresInS, issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
}

/** The API's own access-token check, as the API hands it to startMqtt. */
export const verifyJwt: AccessTokenVerifier = (token) => verifyAccessToken(keys, token);

export interface Fleet {
  database: TestDatabase;
  storage: Storage;
  users: Record<'viewer' | 'operator', { id: string; username: string; password: string }>;
  token(scopes: TokenScope[], role?: 'viewer' | 'operator'): Promise<string>;
  addServer(name: string, status?: 'up' | 'down' | 'unknown'): Promise<string>;
  /** Commits a snapshot row and the ingester's notification in one transaction. */
  commitSnapshot(serverId: string, timestamp: Date, cpu: number): Promise<void>;
  close(): Promise<void>;
}

export async function openFleet(backend: TestBackend): Promise<Fleet> {
  const database = await backend.create();
  const storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
  const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log });
  // Plain PostgreSQL stores snapshots in daily partitions, which maintenance creates.
  await runMaintenance({ pool: storage.pool, caps, retention, log }, new Date());
  const addUser = async (username: string, role: Role) => {
    const password = `${username}-password-${randomUUID().slice(0, 8)}`;
    const result = await storage.pool.query<{ id: string }>('INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id', [
      username,
      await hashPassword(password),
      role,
    ]);
    return { id: result.rows[0]!.id, username, password };
  };
  const users = { viewer: await addUser('vera', 'viewer'), operator: await addUser('otto', 'operator') };
  return {
    database,
    storage,
    users,
    async token(scopes, role = 'viewer') {
      const { token, hash } = generateApiToken();
      await storage.pool.query('INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, $2, $3, $4)', [users[role].id, 'mqtt test', hash, scopes]);
      return token;
    },
    async addServer(name, status = 'up') {
      const result = await storage.pool.query<{ id: string }>('INSERT INTO servers (name, hostname, status) VALUES ($1, $1, $2) RETURNING id', [name, status]);
      return result.rows[0]!.id;
    },
    async commitSnapshot(serverId, timestamp, cpu) {
      const client = await storage.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, net_rx_bps, net_tx_bps)
           VALUES ($1, $2, $3, 40, 55.5, 0.25, 1000, 2000)`,
          [serverId, timestamp, cpu],
        );
        for (const payload of encodeIngestNotifications({ serverIds: [serverId], timestamp: timestamp.toISOString() })) {
          await client.query('SELECT pg_notify($1, $2)', [INGEST_CHANNEL, payload]);
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async close() {
      await storage.close();
      await database.drop();
    },
  };
}

/** A line mosquitto_sub printed with `-F '%r %t %p'`: retain flag, topic, payload. */
export interface SubLine {
  retained: boolean;
  topic: string;
  payload: string;
}

/** `mosquitto_sub` from Debian as a subscriber process, collecting what it prints. */
export class MosquittoSub {
  readonly lines: SubLine[] = [];
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(bin: string, args: readonly string[]) {
    this.child = spawn(bin, ['-F', '%r %t %p', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        const [flag, topic, ...rest] = line.split(' ');
        this.lines.push({ retained: flag === '1', topic: topic!, payload: rest.join(' ') });
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The first line (from `from` on) that `match` accepts, waiting for it. */
  next(what: string, match: (line: SubLine) => boolean, from = 0): Promise<SubLine> {
    return waitFor(what, () => Promise.resolve(this.lines.slice(from).find(match)), { timeoutMs: 15_000, attempts: 300, intervalMs: 50 }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; mosquitto_sub printed ${JSON.stringify(this.lines.slice(-5))}, stderr ${JSON.stringify(this.stderr)}`);
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** An mqtt.js client whose connection attempt settles: resolves connected, rejects with the CONNACK refusal. */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    const failed = (err: Error) => {
      settle();
      client.end(true);
      reject(err);
    };
    const closed = () => failed(new Error('connection closed before CONNACK'));
    // Only the first connection is watched: a client with `reconnectPeriod` meets refused attempts
    // later (a broker restarting) and must keep trying, not be ended by these handlers.
    const settle = () => {
      client.off('error', failed);
      client.off('close', closed);
    };
    client.once('connect', () => {
      settle();
      resolve(client);
    });
    client.on('error', failed);
    client.on('close', closed);
  });
}

/** Collects every message an mqtt.js client receives. */
export function collect(client: MqttClient): { topic: string; payload: string; retain: boolean }[] {
  const received: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return received;
}

/**
 * Waits until the broker at `url` holds a message on `topic`: a probe subscribes and waits for the
 * first delivery (retained or live), after which a new subscriber is sure to get it retained.
 */
export async function waitForRetained(url: string, options: IClientOptions, topic: string): Promise<void> {
  const probe = await connectClient(url, options);
  try {
    const got = new Promise<void>((resolve) => probe.once('message', () => resolve()));
    await probe.subscribeAsync(topic, { qos: 1 });
    await waitFor(`a message on ${topic}`, async () => ((await Promise.race([got.then(() => true), new Promise((r) => setTimeout(r, 100))])) === true ? true : undefined), {
      timeoutMs: 15_000,
      attempts: 150,
      intervalMs: 0,
    });
  } finally {
    probe.end(true);
  }
}
