import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { MQTT_ALL_TOPICS } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import type { MqttSink } from './mqtt-sink.ts';
import { Outbox } from './outbox.ts';
import type { MqttMessage } from './outbox.ts';
import { systemStatusMessage } from './system-status.ts';

export interface ExternalSinkOptions {
  /** `mqtt://host:port`, `mqtts://…`, `ws://…`, `wss://…`. */
  url: string;
  username?: string;
  password?: string;
  log: Logger;
  /** Alert events kept while the broker is away (the oldest are dropped past it). */
  eventLimit: number;
  /** Receives every message under `sextant/v1/` the broker delivers (for the `/mqtt` relay). */
  relay?: (topic: string, payload: Buffer, qos: 0 | 1 | 2) => void;
  /** First reconnection delay, doubled per failure up to `maxBackoffMs`; defaults 500 and 30 000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** An external sink plus what it knows of its broker (for tests, health and logs). */
export interface ExternalSink extends MqttSink {
  readonly connected: boolean;
  /** Messages waiting for the broker. */
  readonly pending: number;
  /** Alert events dropped because the broker was away too long. */
  readonly dropped: number;
}

/**
 * Publishes to an external broker over mqtt.js (MQTT 3.1.1), with `offline` as the retained last
 * will on `sextant/v1/system/status` and `online` after each connection. It reconnects with
 * exponential backoff and jitter; meanwhile retained state coalesces and alert events queue (see
 * `Outbox`), and all of it is sent on reconnection.
 */
export function createExternalSink(options: ExternalSinkOptions): ExternalSink {
  const log = options.log;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const outbox = new Outbox(options.eventLimit);
  const reconnectListeners: (() => void)[] = [];
  const will = systemStatusMessage('offline');
  const client = mqtt.connect(options.url, {
    clientId: `sextant-${randomBytes(6).toString('hex')}`,
    username: options.username,
    password: options.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    queueQoSZero: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
  });
  let closing = false;
  let failures = 0;
  let connections = 0;
  let retry: NodeJS.Timeout | undefined;

  const send = (message: MqttMessage): void => {
    client.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain }, (err) => {
      if (err === undefined || err === null || closing) return;
      // Lost with the connection before the broker had it: keep it for the next one.
      keep(message);
    });
  };
  const keep = (message: MqttMessage): void => {
    const dropped = outbox.add(message);
    if (dropped !== undefined) log.warn({ topic: dropped.topic, limit: outbox.eventLimit }, 'MQTT broker away too long: oldest alert event dropped');
  };

  client.on('connect', () => {
    // Over TCP, small publishes must not wait for Nagle (mqtt.js leaves it on).
    const stream = client.stream as Partial<Socket>;
    stream.setNoDelay?.(true);
    connections++;
    failures = 0;
    log.info({ url: redactUrl(options.url), reconnection: connections > 1 }, 'connected to MQTT broker');
    send(systemStatusMessage('online', new Date()));
    if (options.relay !== undefined) client.subscribe(MQTT_ALL_TOPICS, { qos: 1 }, (err) => err === null || log.warn({ err }, 'MQTT relay subscription failed'));
    for (const message of outbox.drain()) send(message);
    if (connections > 1) for (const listener of reconnectListeners) listener();
  });
  client.on('message', (topic, payload, packet) => options.relay?.(topic, payload, packet.qos));
  client.on('error', (err) => log.warn({ err, url: redactUrl(options.url) }, 'MQTT broker connection failed'));
  client.on('close', () => {
    if (closing || retry !== undefined) return;
    // Full jitter between half and all of the exponential delay, so many publishers do not return at once.
    const ceiling = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures, 16));
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    failures++;
    log.info({ delayMs: delay, failures }, 'MQTT broker away: reconnecting');
    retry = setTimeout(() => {
      retry = undefined;
      if (!closing) client.reconnect();
    }, delay);
  });

  return {
    publish(message) {
      if (client.connected) send(message);
      else keep(message);
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(retry);
      // A broker that stops answering must not hold up shutdown: after 5 s the connection is dropped.
      const graceful = (async () => {
        if (client.connected) {
          await client.publishAsync(will.topic, systemStatusMessage('offline', new Date()).payload, { qos: 1, retain: true }).catch(() => undefined);
        }
        await client.endAsync(!client.connected);
      })();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5000)));
      if ((await Promise.race([graceful, late])) === 'late') await client.endAsync(true);
      clearTimeout(timer);
    },
    get connected() {
      return client.connected;
    },
    get pending() {
      return outbox.size;
    },
    get dropped() {
      return outbox.dropped;
    },
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
