import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeIngestNotifications,
  INGEST_CHANNEL,
  MQTT_SYSTEM_STATUS_TOPIC,
  mqttAlertSchema,
  mqttAlertTopic,
  mqttSnapshotSchema,
  mqttSnapshotTopic,
  mqttStatusSchema,
  mqttStatusTopic,
  mqttSystemStatusSchema,
} from '@sextant/contracts';
import { hashPassword } from '@sextant/auth';
import { findPeer, testBackends, waitFor } from '@sextant/testkit';
import { attachMqttWebSocket, createAlertEvents, koaClientAddress, mqttConfigSchema, startMqtt } from '../src/mqtt/index.ts';
import type { AlertEvents, MqttFanout } from '../src/mqtt/index.ts';
import { createLoginThrottle } from '../src/auth/login-throttle.ts';
import { markSilentServers } from '../src/servers/mark-silent-servers.ts';
import { collect, connectClient, log, MosquittoSub, openFleet, signJwt, verifyJwt } from './mqtt-fixture.ts';
import type { Fleet } from './mqtt-fixture.ts';

const backend = testBackends().find((b) => !b.skip && !b.timescaledb)!;
const mosquittoSub = findPeer('mosquitto_sub', ['/usr/bin/mosquitto_sub']);

describe('MQTT fan-out through the embedded broker', () => {
  let fleet: Fleet;
  let fanout: MqttFanout;
  let alertEvents: AlertEvents;
  let url: string;
  let web1: string;
  const clients: MqttClient[] = [];
  const client = async (options: Parameters<typeof connectClient>[1], at = url) => {
    const c = await connectClient(at, options);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fleet = await openFleet(backend);
    web1 = await fleet.addServer('web-1', 'up');
    await fleet.commitSnapshot(web1, new Date(Date.now() - 60_000), 12.5);
    alertEvents = createAlertEvents();
    const config = mqttConfigSchema.parse({ MQTT_PORT: '0' });
    fanout = await startMqtt({ config, storage: fleet.storage, log, alertEvents, verifyAccessToken: verifyJwt });
    url = `mqtt://127.0.0.1:${fanout.address!.port}`;
    await fanout.publisher.idle();
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fanout?.close();
    await fleet?.close();
  });

  it.skipIf(mosquittoSub === undefined)('mosquitto_sub with an API token gets retained state, then a committed snapshot, then an alert', async () => {
    const token = await fleet.token(['mqtt']);
    const sub = new MosquittoSub(mosquittoSub!, ['-h', '127.0.0.1', '-p', String(fanout.address!.port), '-u', 'token', '-P', token, '-q', '1', '-t', 'sextant/v1/#']);
    try {
      const retainedSnapshot = await sub.next('retained snapshot', (l) => l.topic === mqttSnapshotTopic(web1));
      expect(retainedSnapshot.retained).toBe(true);
      expect(mqttSnapshotSchema.parse(JSON.parse(retainedSnapshot.payload))).toMatchObject({ serverId: web1, name: 'web-1', cpu_usage: 12.5, disk_usage: 55.5 });
      const status = await sub.next('retained status', (l) => l.topic === mqttStatusTopic(web1));
      expect(status.retained).toBe(true);
      expect(mqttStatusSchema.parse(JSON.parse(status.payload))).toMatchObject({ serverId: web1, status: 'up' });
      const system = await sub.next('system status', (l) => l.topic === MQTT_SYSTEM_STATUS_TOPIC);
      expect(mqttSystemStatusSchema.parse(JSON.parse(system.payload)).status).toBe('online');

      const seen = sub.lines.length;
      const at = new Date();
      await fleet.commitSnapshot(web1, at, 87.25);
      const live = await sub.next('live snapshot', (l) => l.topic === mqttSnapshotTopic(web1), seen);
      expect(live.retained).toBe(false);
      expect(mqttSnapshotSchema.parse(JSON.parse(live.payload))).toMatchObject({ cpu_usage: 87.25, timestamp: at.toISOString() });

      const alert = {
        id: '5a4e1b0c-2f0a-4d55-8f0e-9b1f1c2d3e4f',
        serverId: web1,
        ruleId: null,
        type: 'threshold',
        severity: 'critical',
        status: 'firing',
        value: 87.25,
        timestamp: at.toISOString(),
        resolvedAt: null,
        acknowledgedBy: null,
        acknowledgedAt: null,
        labels: { alertname: 'HighCpu' },
        annotations: { summary: 'CPU above 80%' },
        source: 'rule',
        fingerprint: 'f00d',
      } as const;
      alertEvents.emit(alert);
      const event = await sub.next('alert event', (l) => l.topic === mqttAlertTopic(web1, alert.id));
      expect(event.retained).toBe(false);
      expect(mqttAlertSchema.parse(JSON.parse(event.payload))).toEqual(alert);
    } finally {
      await sub.stop();
    }
  });

  it('lets in a password, an access JWT of the same user, and an API token under its owner name', async () => {
    const { viewer } = fleet.users;
    for (const credentials of [
      { username: viewer.username, password: viewer.password },
      { username: viewer.username, password: signJwt(viewer.id, viewer.username, 60) },
      { username: viewer.username, password: await fleet.token(['mqtt']) },
    ]) {
      const c = await client(credentials);
      expect(c.connected).toBe(true);
      c.end(true);
    }
  });

  describe('denials', () => {
    const refused = async (options: Parameters<typeof connectClient>[1]): Promise<unknown> => {
      const err = await connectClient(url, options).then(
        (c) => {
          c.end(true);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err, 'the broker must refuse this login').toBeDefined();
      return (err as { code?: unknown }).code;
    };

    it('refuses anonymous clients', async () => {
      expect(await refused({})).toBe(4);
    });

    it('refuses a wrong password', async () => {
      expect(await refused({ username: fleet.users.viewer.username, password: 'not-the-password' })).toBe(4);
    });

    it('counts password logins against the login throttle the HTTP login shares: past it, even the right password is refused', async () => {
      const password = 'mallory-password-1';
      await fleet.storage.pool.query(`INSERT INTO users (username, password_hash, role) VALUES ('mallory', $1, 'viewer')`, [await hashPassword(password)]);
      // The API's default: 5 failures per account.
      for (let i = 0; i < 5; i++) expect(await refused({ username: 'mallory', password: `guess-${i}` })).toBe(4);
      expect(await refused({ username: 'mallory', password })).toBe(4);
      // The HTTP login reads the same counts.
      expect(await createLoginThrottle(fleet.storage.pool).attempt('mallory', '192.0.2.1')).toBeGreaterThan(0);
    });

    it('refuses an expired access JWT, and one of another user', async () => {
      const { viewer, operator } = fleet.users;
      expect(await refused({ username: viewer.username, password: signJwt(viewer.id, viewer.username, -10) })).toBe(4);
      expect(await refused({ username: operator.username, password: signJwt(viewer.id, viewer.username, 60) })).toBe(4);
    });

    it('refuses an API token without the mqtt scope', async () => {
      expect(await refused({ username: 'token', password: await fleet.token(['read', 'remote_write']) })).toBe(4);
    });

    it('disconnects a viewer publishing under sextant/ and keeps the state it tried to overwrite', async () => {
      const viewer = await client({ username: 'token', password: await fleet.token(['mqtt']) });
      const closed = new Promise<void>((resolve) => viewer.once('close', () => resolve()));
      viewer.publish(mqttStatusTopic(web1), JSON.stringify({ serverId: web1, status: 'down', since: new Date().toISOString() }), { qos: 1, retain: true });
      await closed;
      const reader = await client({ username: fleet.users.operator.username, password: fleet.users.operator.password });
      const received = collect(reader);
      await reader.subscribeAsync(mqttStatusTopic(web1));
      const retained = await waitForMessage(received, mqttStatusTopic(web1));
      expect(JSON.parse(retained.payload)).toMatchObject({ status: 'up' });
    });

    it('refuses subscriptions outside sextant/v1/', async () => {
      const c = await client({ username: 'token', password: await fleet.token(['mqtt']) });
      // SUBACK 0x80 (MQTT 3.1.1 §3.9.3) for each refused filter; mqtt.js turns it into an error carrying the packet.
      for (const filter of ['#', '$SYS/#', 'other/topic', 'sextant/#', '+/v1/#', 'sextant/v1']) {
        const err = await c.subscribeAsync(filter, { qos: 0 }).then(() => undefined, (e: unknown) => e);
        expect((err as { packet?: { granted?: number[] } } | undefined)?.packet?.granted, filter).toEqual([128]);
      }
      expect(await c.subscribeAsync('sextant/v1/#', { qos: 1 })).toEqual([{ topic: 'sextant/v1/#', qos: 1 }]);
    });
  });

  it('serves MQTT over WebSocket at /mqtt to a client with an access token, live', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const detach = attachMqttWebSocket(server, fanout);
    try {
      const { viewer } = fleet.users;
      const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`;
      const browser = await client({ username: viewer.username, password: signJwt(viewer.id, viewer.username, 60) }, wsUrl);
      const received = collect(browser);
      await browser.subscribeAsync('sextant/v1/servers/+/snapshot', { qos: 0 });
      const retained = await waitForMessage(received, mqttSnapshotTopic(web1));
      expect(retained.retain).toBe(true);
      const at = new Date(Date.now() + 1000);
      await fleet.commitSnapshot(web1, at, 33.5);
      const live = await waitForMessage(received, mqttSnapshotTopic(web1), (m) => !m.retain);
      expect(mqttSnapshotSchema.parse(JSON.parse(live.payload))).toMatchObject({ serverId: web1, cpu_usage: 33.5, timestamp: at.toISOString() });
      await expect(connectClient(wsUrl, { username: viewer.username, password: signJwt(viewer.id, viewer.username, -1) })).rejects.toMatchObject({ code: 4 });
    } finally {
      detach();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('counts a failed password login against the client address: the TCP peer, or behind a trusted proxy its forwarded address', async () => {
    const failures = async (address: string) =>
      (await fleet.storage.pool.query<{ failures: number }>('SELECT failures FROM login_attempts WHERE key = $1', [`a:${address}`])).rows[0]?.failures ?? 0;
    const before = await failures('127.0.0.1');
    await expect(connectClient(url, { username: 'nobody', password: 'guess' })).rejects.toMatchObject({ code: 4 });
    expect(await failures('127.0.0.1')).toBe(before + 1);
    // As `sextant api` attaches /mqtt: the address the API sees, here with API_TRUST_PROXY on.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const detach = attachMqttWebSocket(server, fanout, { clientAddress: koaClientAddress(new Koa({ proxy: true })) });
    try {
      const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`;
      await expect(connectClient(wsUrl, { username: 'nobody', password: 'guess', wsOptions: { headers: { 'X-Forwarded-For': '198.51.100.7, 10.0.0.1' } } })).rejects.toMatchObject({ code: 4 });
      expect(await failures('198.51.100.7')).toBe(1);
      expect(await failures('127.0.0.1')).toBe(before + 1);
    } finally {
      detach();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ends a session opened with an access JWT when the token expires', async () => {
    const { viewer } = fleet.users;
    const jwt = signJwt(viewer.id, viewer.username, 2);
    const c = await client({ username: viewer.username, password: jwt });
    const closed = new Promise<number>((resolve) => c.once('close', () => resolve(Date.now())));
    const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number };
    // Closed by the broker at `exp` (whole seconds), not before.
    expect(await closed).toBeGreaterThanOrEqual(exp * 1000);
  });

  it('refuses to start on a port in use, saying which variable to change', async () => {
    const config = mqttConfigSchema.parse({ MQTT_PORT: String(fanout.address!.port) });
    await expect(startMqtt({ config, storage: fleet.storage, log, alertEvents: createAlertEvents() })).rejects.toMatchObject({
      code: 'MQTT_PORT_IN_USE',
      message: expect.stringContaining('MQTT_URL'),
    });
  });

  it('answers an MQTT 5 CONNECT with "unacceptable protocol version" (aedes speaks 3.1 and 3.1.1)', async () => {
    const { viewer } = fleet.users;
    await expect(connectClient(url, { protocolVersion: 5, username: viewer.username, password: viewer.password })).rejects.toBeDefined();
  });

  it('with Home Assistant discovery on, announces each server and lets Home Assistant say it is online', async () => {
    const config = mqttConfigSchema.parse({ MQTT_PORT: '0', MQTT_HOMEASSISTANT: 'true' });
    const ha = await startMqtt({ config, storage: fleet.storage, log, alertEvents: createAlertEvents() });
    try {
      const c = await client({ username: 'token', password: await fleet.token(['mqtt']) }, `mqtt://127.0.0.1:${ha.address!.port}`);
      const received = collect(c);
      await c.publishAsync('homeassistant/status', 'online', { qos: 1 });
      await c.subscribeAsync('homeassistant/#', { qos: 1 });
      const node = `sextant_${web1.replaceAll('-', '')}`;
      const up = await waitForMessage(received, `homeassistant/binary_sensor/${node}/up/config`);
      expect(JSON.parse(up.payload)).toMatchObject({ state_topic: mqttStatusTopic(web1), device: { name: 'web-1' } });
      await waitForMessage(received, `homeassistant/sensor/${node}/cpu/config`);
      expect(c.connected).toBe(true);
    } finally {
      await ha.close();
    }
  });

  it('publishes a status change announced by a notification that names no snapshot', async () => {
    const cache = await fleet.addServer('cache-3', 'up');
    await fleet.commitSnapshot(cache, new Date(), 5);
    await fanout.publisher.idle();
    const reader = await client({ username: 'token', password: await fleet.token(['mqtt']) });
    const received = collect(reader);
    await reader.subscribeAsync(mqttStatusTopic(cache), { qos: 1 });
    await waitForMessage(received, mqttStatusTopic(cache));
    // What the ingester does when a scrape fails: the status changes, no snapshot row, a notification.
    await fleet.storage.pool.query("UPDATE servers SET status = 'down', updated_at = now() WHERE id = $1", [cache]);
    await fleet.storage.pool.query('SELECT pg_notify($1, $2)', [INGEST_CHANNEL, encodeIngestNotifications({ serverIds: [], timestamp: new Date().toISOString() })[0]]);
    const down = await waitForMessage(received, mqttStatusTopic(cache), (m) => (JSON.parse(m.payload) as { status: string }).status === 'down');
    expect(down.retain).toBe(false);
    expect(mqttStatusSchema.parse(JSON.parse(down.payload))).toMatchObject({ serverId: cache, status: 'down' });
  });

  it('turns the retained status of a server that went silent (up, nothing heard for the lookback) to unknown', async () => {
    const quiet = await fleet.addServer('rw-quiet', 'up');
    await fleet.storage.pool.query("UPDATE servers SET last_seen_at = now() - interval '10 minutes' WHERE id = $1", [quiet]);
    await fleet.commitSnapshot(quiet, new Date(Date.now() - 600_000), 5);
    await fanout.publisher.idle();
    const reader = await client({ username: 'token', password: await fleet.token(['mqtt']) });
    const received = collect(reader);
    await reader.subscribeAsync(mqttStatusTopic(quiet), { qos: 1 });
    expect(JSON.parse((await waitForMessage(received, mqttStatusTopic(quiet))).payload)).toMatchObject({ status: 'up' });
    // What each alert-evaluation pass does first, with its 5-minute lookback.
    expect(await markSilentServers(fleet.storage.pool, Date.now() - 300_000, Date.now())).toContain(quiet);
    const unknown = await waitForMessage(received, mqttStatusTopic(quiet), (m) => (JSON.parse(m.payload) as { status: string }).status === 'unknown');
    expect(mqttStatusSchema.parse(JSON.parse(unknown.payload))).toMatchObject({ serverId: quiet, status: 'unknown' });
  });

  it('delivers a burst of snapshots read at once (more than one batch of socket writes) to every subscriber, each once', async () => {
    const count = 200;
    const ids = (
      await fleet.storage.pool.query<{ id: string }>("INSERT INTO servers (name, hostname, status) SELECT 'burst-' || i, 'burst-' || i, 'up' FROM generate_series(1, $1::int) i RETURNING id", [count])
    ).rows.map((r) => r.id);
    await fanout.publisher.idle();
    const token = await fleet.token(['mqtt']);
    const readers = await Promise.all([client({ username: 'token', password: token }), client({ username: 'token', password: token })]);
    const received = readers.map((r) => collect(r));
    await Promise.all(readers.map((r) => r.subscribeAsync('sextant/v1/servers/+/snapshot', { qos: 0 })));
    // One transaction, one commit: the publisher reads these servers together and publishes them in one go.
    const at = new Date();
    const db = await fleet.storage.pool.connect();
    try {
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, net_rx_bps, net_tx_bps)
         SELECT id, $2, ord % 100, 40, 55.5, 0.25, 1000, 2000 FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord)`,
        [ids, at],
      );
      for (const payload of encodeIngestNotifications({ serverIds: ids, timestamp: at.toISOString() })) await db.query('SELECT pg_notify($1, $2)', [INGEST_CHANNEL, payload]);
      await db.query('COMMIT');
    } finally {
      db.release();
    }
    const burst = new Set(ids.map((id) => mqttSnapshotTopic(id)));
    for (const list of received) {
      const live = await waitFor('the whole burst', () => {
        const got = list.filter((m) => !m.retain && burst.has(m.topic));
        return Promise.resolve(got.length >= count ? got : undefined);
      }, { timeoutMs: 20_000, attempts: 800, intervalMs: 25 });
      expect(live).toHaveLength(count);
      expect(new Set(live.map((m) => m.topic)).size).toBe(count);
      for (const m of live) {
        const snapshot = mqttSnapshotSchema.parse(JSON.parse(m.payload));
        expect(snapshot.timestamp).toBe(at.toISOString());
        expect(snapshot.cpu_usage).toBe((ids.indexOf(snapshot.serverId) + 1) % 100);
      }
    }
  });

  it('publishes status changes and new servers found by the periodic re-read', async () => {
    const reader = await client({ username: 'token', password: await fleet.token(['mqtt']) });
    const received = collect(reader);
    await reader.subscribeAsync('sextant/v1/servers/+/status', { qos: 1 });
    const db2 = await fleet.addServer('db-2', 'down');
    await fleet.storage.pool.query("UPDATE servers SET status = 'down' WHERE id = $1", [web1]);
    fanout.publisher.republishAll();
    const down = await waitForMessage(received, mqttStatusTopic(web1), (m) => JSON.parse(m.payload).status === 'down');
    expect(mqttStatusSchema.parse(JSON.parse(down.payload)).status).toBe('down');
    const added = await waitForMessage(received, mqttStatusTopic(db2));
    expect(JSON.parse(added.payload)).toMatchObject({ serverId: db2, status: 'down' });
  });
});

function waitForMessage<T extends { topic: string }>(received: T[], topic: string, also: (m: T) => boolean = () => true): Promise<T> {
  return waitFor(`message on ${topic}`, () => Promise.resolve(received.find((m) => m.topic === topic && also(m))), { timeoutMs: 10_000, attempts: 400, intervalMs: 25 });
}
