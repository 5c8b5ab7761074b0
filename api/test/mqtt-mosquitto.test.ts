import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MQTT_SYSTEM_STATUS_TOPIC, mqttAlertSchema, mqttAlertTopic, mqttSnapshotSchema, mqttSnapshotTopic, mqttStatusTopic, mqttSystemStatusSchema } from '@sextant/contracts';
import type { MqttAlert } from '@sextant/contracts';
import { findPeer, freePort, inCI, stopChild, testBackends, waitFor } from '@sextant/testkit';
import { attachMqttWebSocket, createAlertEvents, mosquittoConf, mosquittoFiles, mqttConfigSchema, startMqtt } from '../src/mqtt/index.ts';
import type { AlertEvents, MqttFanout } from '../src/mqtt/index.ts';
import { collect, connectClient, log, MosquittoSub, openFleet, waitForRetained } from './mqtt-fixture.ts';
import type { Fleet } from './mqtt-fixture.ts';

const backend = testBackends().find((b) => !b.skip && !b.timescaledb)!;
const mosquittoSub = findPeer('mosquitto_sub', ['/usr/bin/mosquitto_sub']);
const mosquitto = findPeer('mosquitto', ['/usr/sbin/mosquitto']);
const SHARED_BROKER = { host: '127.0.0.1', port: 1883 };

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
const sharedUp = await reachable(SHARED_BROKER.host, SHARED_BROKER.port);
if (!sharedUp) {
  const message = `no Mosquitto at ${SHARED_BROKER.host}:${SHARED_BROKER.port}`;
  if (inCI) throw new Error(`${message}: CI must start it (see .ci/run)`);
  process.stderr.write(`SKIP: ${message}\n`);
}

const alertOf = (serverId: string, n: number): MqttAlert => ({
  id: `5a4e1b0c-2f0a-4d55-8f0e-9b1f1c2d3e${String(n).padStart(2, '0')}`,
  serverId,
  ruleId: null,
  type: 'threshold',
  severity: 'warning',
  status: 'firing',
  value: n,
  timestamp: new Date().toISOString(),
  resolvedAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  labels: { alertname: `Test${n}` },
  annotations: {},
  source: 'rule',
  fingerprint: `fp${n}`,
});

describe('MQTT fan-out to an external Mosquitto', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await openFleet(backend);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  describe.skipIf(!sharedUp || mosquittoSub === undefined)('the Mosquitto at 127.0.0.1:1883 (its own configuration: anonymous)', () => {
    let fanout: MqttFanout;
    let alertEvents: AlertEvents;
    let serverId: string;

    beforeAll(async () => {
      serverId = await fleet.addServer(`shared-${Date.now()}`, 'up');
      await fleet.commitSnapshot(serverId, new Date(Date.now() - 30_000), 21);
      alertEvents = createAlertEvents();
      const config = mqttConfigSchema.parse({ MQTT_URL: `mqtt://${SHARED_BROKER.host}:${SHARED_BROKER.port}` });
      fanout = await startMqtt({ config, storage: fleet.storage, log, alertEvents });
      await waitForRetained(config.MQTT_URL!, {}, mqttSnapshotTopic(serverId));
    });

    afterAll(async () => {
      await fanout?.close();
      // Leave no retained state of this test behind on the shared broker.
      if (serverId !== undefined) {
        const cleaner = await connectClient(`mqtt://${SHARED_BROKER.host}:${SHARED_BROKER.port}`, {});
        for (const topic of [mqttSnapshotTopic(serverId), mqttStatusTopic(serverId)]) await cleaner.publishAsync(topic, '', { retain: true, qos: 1 });
        await cleaner.endAsync();
      }
    });

    it('mosquitto_sub receives retained state, a committed snapshot and an alert event', async () => {
      const sub = new MosquittoSub(mosquittoSub!, ['-h', SHARED_BROKER.host, '-p', String(SHARED_BROKER.port), '-q', '1', '-t', `sextant/v1/servers/${serverId}/#`, '-t', `sextant/v1/alerts/${serverId}/#`]);
      try {
        const retained = await sub.next('retained snapshot', (l) => l.topic === mqttSnapshotTopic(serverId) && l.retained);
        expect(mqttSnapshotSchema.parse(JSON.parse(retained.payload))).toMatchObject({ serverId, cpu_usage: 21 });
        await sub.next('retained status', (l) => l.topic === mqttStatusTopic(serverId) && l.retained);
        const seen = sub.lines.length;
        const at = new Date();
        await fleet.commitSnapshot(serverId, at, 64);
        const live = await sub.next('live snapshot', (l) => l.topic === mqttSnapshotTopic(serverId), seen);
        expect(mqttSnapshotSchema.parse(JSON.parse(live.payload))).toMatchObject({ cpu_usage: 64, timestamp: at.toISOString() });
        const alert = alertOf(serverId, 1);
        alertEvents.emit(alert);
        const event = await sub.next('alert event', (l) => l.topic === mqttAlertTopic(serverId, alert.id));
        expect(mqttAlertSchema.parse(JSON.parse(event.payload))).toEqual(alert);
      } finally {
        await sub.stop();
      }
    });

    it('relays the broker to browsers at /mqtt (subscribe-only)', async () => {
      const server = createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const detach = attachMqttWebSocket(server, fanout);
      let browser: MqttClient | undefined;
      try {
        const { viewer } = fleet.users;
        browser = await connectClient(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`, { username: viewer.username, password: viewer.password });
        const received = collect(browser);
        await browser.subscribeAsync(`sextant/v1/servers/${serverId}/snapshot`);
        await waitFor('relayed retained snapshot', () => Promise.resolve(received.find((m) => m.retain)), { timeoutMs: 10_000, intervalMs: 25, attempts: 400 });
        const at = new Date(Date.now() + 1000);
        await fleet.commitSnapshot(serverId, at, 77);
        const live = await waitFor('relayed live snapshot', () => Promise.resolve(received.find((m) => JSON.parse(m.payload).cpu_usage === 77)), { timeoutMs: 10_000, intervalMs: 25, attempts: 400 });
        expect(mqttSnapshotSchema.parse(JSON.parse(live.payload)).timestamp).toBe(at.toISOString());
        const closed = new Promise<void>((resolve) => browser!.once('close', () => resolve()));
        browser.publish(mqttStatusTopic(serverId), '{}', { qos: 1 });
        await closed;
      } finally {
        browser?.end(true);
        detach();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe.skipIf(mosquitto === undefined || mosquittoSub === undefined)('a Mosquitto configured with the generated password and ACL files', () => {
    let dir: string;
    let port: number;
    let broker: ChildProcess | undefined;
    let fanout: MqttFanout;
    let alertEvents: AlertEvents;
    let serverId: string;
    let token: string;
    let publisher: { username: string; password: string };
    const url = () => `mqtt://127.0.0.1:${port}`;

    const startBroker = async () => {
      broker = spawn(mosquitto!, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitFor('mosquitto', async () => ((await reachable('127.0.0.1', port)) ? true : undefined), { timeoutMs: 10_000 });
    };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-mosquitto-'));
      port = await freePort();
      serverId = await fleet.addServer('own-1', 'up');
      await fleet.commitSnapshot(serverId, new Date(Date.now() - 30_000), 11);
      token = await fleet.token(['mqtt']);
      publisher = { username: 'sextant', password: 'publisher-secret-0123456789' };
      const files = mosquittoFiles({ publisher, subscribers: [{ username: fleet.users.viewer.username, password: token }] });
      await writeFile(path.join(dir, 'passwd'), files.passwd, { mode: 0o600 });
      await writeFile(path.join(dir, 'acl'), files.acl);
      const conf = mosquittoConf({ passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl'), port, host: '127.0.0.1' });
      // Started as root, Mosquitto would switch to its own user, who cannot read a 0600 file of ours.
      // Persistence keeps a subscriber's session (and what is queued for it) across the restart below.
      const extra = `persistence true\npersistence_location ${dir}/\nqueue_qos0_messages true\n${process.getuid?.() === 0 ? 'user root\n' : ''}`;
      await writeFile(path.join(dir, 'mosquitto.conf'), `${conf}${extra}`);
      await startBroker();
      alertEvents = createAlertEvents();
      const config = mqttConfigSchema.parse({ MQTT_URL: url(), MQTT_USERNAME: publisher.username, MQTT_PASSWORD: publisher.password });
      // Backoff capped at 0.5 s: however long the broker is away below (a loaded machine stretches
      // it), Sextant is back within a second of the broker, not after a 30 s doubling.
      fanout = await startMqtt({ config, storage: fleet.storage, log, alertEvents, reconnect: { minBackoffMs: 100, maxBackoffMs: 500 } });
      await waitForRetained(url(), { username: fleet.users.viewer.username, password: token }, mqttSnapshotTopic(serverId));
    });

    afterAll(async () => {
      await fanout?.close();
      await stopChild(broker);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('mosquitto_sub with an API token receives retained state, a committed snapshot and an alert', async () => {
      const sub = new MosquittoSub(mosquittoSub!, ['-h', '127.0.0.1', '-p', String(port), '-u', fleet.users.viewer.username, '-P', token, '-q', '1', '-t', 'sextant/v1/#']);
      try {
        const retained = await sub.next('retained snapshot', (l) => l.topic === mqttSnapshotTopic(serverId) && l.retained);
        expect(mqttSnapshotSchema.parse(JSON.parse(retained.payload)).cpu_usage).toBe(11);
        const seen = sub.lines.length;
        await fleet.commitSnapshot(serverId, new Date(), 45);
        const live = await sub.next('live snapshot', (l) => l.topic === mqttSnapshotTopic(serverId), seen);
        expect(mqttSnapshotSchema.parse(JSON.parse(live.payload)).cpu_usage).toBe(45);
        const alert = alertOf(serverId, 2);
        alertEvents.emit(alert);
        const event = await sub.next('alert event', (l) => l.topic === mqttAlertTopic(serverId, alert.id));
        expect(mqttAlertSchema.parse(JSON.parse(event.payload))).toEqual(alert);
      } finally {
        await sub.stop();
      }
    });

    it('refuses anonymous clients and wrong passwords', async () => {
      await expect(connectClient(url(), {})).rejects.toMatchObject({ code: 5 });
      await expect(connectClient(url(), { username: fleet.users.viewer.username, password: 'wrong' })).rejects.toMatchObject({ code: 5 });
    });

    it('drops what a subscriber publishes under sextant/ (the retained state stays)', async () => {
      const viewer = await connectClient(url(), { username: fleet.users.viewer.username, password: token });
      try {
        // Mosquitto acknowledges a refused QoS 1 publish and discards it.
        await viewer.publishAsync(mqttStatusTopic(serverId), JSON.stringify({ status: 'down' }), { qos: 1, retain: true });
        const received = collect(viewer);
        await viewer.subscribeAsync(mqttStatusTopic(serverId), { qos: 1 });
        const status = await waitFor('retained status', () => Promise.resolve(received.find((m) => m.retain)), { timeoutMs: 10_000, intervalMs: 25, attempts: 400 });
        expect(JSON.parse(status.payload)).toMatchObject({ serverId, status: 'up' });
      } finally {
        viewer.end(true);
      }
    });

    it('delivers nothing outside sextant/v1/ to a subscriber', async () => {
      // Mosquitto 2.0 grants such a SUBACK but never delivers there; messages from one publisher
      // arrive in order, so once the later, allowed one is in, the earlier one would have been too.
      const viewer = await connectClient(url(), { username: fleet.users.viewer.username, password: token });
      const sextant = await connectClient(url(), publisher);
      try {
        const received = collect(viewer);
        await viewer.subscribeAsync(['sextant/private/#', 'sextant/v1/probe'], { qos: 1 });
        await sextant.publishAsync('sextant/private/x', 'secret', { qos: 1 });
        await sextant.publishAsync('sextant/v1/probe', 'allowed', { qos: 1 });
        await waitFor('allowed message', () => Promise.resolve(received.find((m) => m.topic === 'sextant/v1/probe')), { timeoutMs: 10_000, intervalMs: 25, attempts: 400 });
        expect(received.map((m) => m.topic)).toEqual(['sextant/v1/probe']);
      } finally {
        viewer.end(true);
        sextant.end(true);
      }
    });

    it("announces Sextant offline through its last will when the publisher's process dies", async () => {
      const child = spawn(process.execPath, [path.join(import.meta.dirname, 'mqtt-publisher-process.ts')], {
        env: { ...process.env, DATABASE_URL: fleet.database.url, MQTT_URL: url(), MQTT_USERNAME: publisher.username, MQTT_PASSWORD: publisher.password },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const viewer = await connectClient(url(), { username: fleet.users.viewer.username, password: token });
      try {
        await waitFor('publisher process', () => Promise.resolve(out.includes('\n') ? out : undefined), { timeoutMs: 30_000, attempts: 600, intervalMs: 50 });
        expect(out).toBe('ready\n');
        const received = collect(viewer);
        await viewer.subscribeAsync(MQTT_SYSTEM_STATUS_TOPIC, { qos: 1 });
        child.kill('SIGKILL');
        const offline = await waitFor('last will', () => Promise.resolve(received.find((m) => !m.retain && JSON.parse(m.payload).status === 'offline')), { timeoutMs: 15_000, intervalMs: 25, attempts: 600 });
        expect(mqttSystemStatusSchema.parse(JSON.parse(offline.payload))).toEqual({ status: 'offline' });
      } finally {
        viewer.end(true);
        await stopChild(child);
      }
    });

    it('while the broker is away keeps the latest snapshot and the alert events, and sends them when it is back', async () => {
      const sink = fanout.sink as MqttFanout['sink'] & { connected: boolean; pending: number };
      // A subscriber with a persistent session: whatever reaches the broker for it is kept until it is back too.
      const subscriber = await connectClient(url(), { username: fleet.users.viewer.username, password: token, clean: false, clientId: 'sextant-test-away', reconnectPeriod: 100 });
      const received = collect(subscriber);
      try {
        await subscriber.subscribeAsync([mqttSnapshotTopic(serverId), `sextant/v1/alerts/${serverId}/#`], { qos: 1 });
        await stopChild(broker);
        await waitFor('publisher notices', () => Promise.resolve(sink.connected ? undefined : true), { timeoutMs: 10_000 });
        const t0 = Date.now();
        await fleet.commitSnapshot(serverId, new Date(t0 + 1000), 71);
        await fleet.commitSnapshot(serverId, new Date(t0 + 2000), 72);
        await fanout.publisher.idle();
        alertEvents.emit(alertOf(serverId, 3));
        alertEvents.emit(alertOf(serverId, 4));
        // The publisher hears of the commits by NOTIFY, which may land after idle() resolved.
        await waitFor('the snapshot and both alerts queued', () => Promise.resolve(sink.pending >= 3 ? true : undefined), { timeoutMs: 10_000 });
        received.length = 0;
        // Sextant's reconnection backoff is capped at 0.5 s here (see beforeAll).
        await startBroker();
        const latest = await waitFor('latest snapshot after reconnection', () => Promise.resolve(received.find((m) => m.topic === mqttSnapshotTopic(serverId) && JSON.parse(m.payload).cpu_usage === 72)), { timeoutMs: 40_000, intervalMs: 50, attempts: 800 });
        expect(mqttSnapshotSchema.parse(JSON.parse(latest.payload)).cpu_usage).toBe(72);
        const alerts = await waitFor('queued alerts', () => {
          const got = received.filter((m) => m.topic.startsWith(`sextant/v1/alerts/${serverId}/`));
          return Promise.resolve(got.length >= 2 ? got : undefined);
        }, { timeoutMs: 40_000, intervalMs: 50, attempts: 800 });
        expect(alerts.map((m) => mqttAlertSchema.parse(JSON.parse(m.payload)).value)).toEqual([3, 4]);
        // Coalesced: the snapshot superseded while the broker was away never went out.
        expect(received.filter((m) => m.topic === mqttSnapshotTopic(serverId)).map((m) => (JSON.parse(m.payload) as { cpu_usage: number }).cpu_usage)).not.toContain(71);
        expect(sink.pending).toBe(0);
      } finally {
        subscriber.end(true);
      }
    });
  });
});
