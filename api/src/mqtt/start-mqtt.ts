import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type pg from 'pg';
import { mqttAlertTopic, parseMqttTopic } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import { createAedesSink } from './aedes-sink.ts';
import type { AlertEvents } from './alert-events.ts';
import { createBroker, peerAddress } from './create-broker.ts';
import { createExternalSink } from './external-sink.ts';
import { startFleetPublisher } from './fleet-publisher.ts';
import type { FleetPublisher } from './fleet-publisher.ts';
import { createMqttAuthenticator } from './mqtt-authenticator.ts';
import type { AccessTokenVerifier } from './mqtt-authenticator.ts';
import type { MqttConfig } from './mqtt-config.ts';
import { MqttError } from './mqtt-error.ts';
import type { MqttSink } from './mqtt-sink.ts';

export interface StartMqttOptions {
  config: MqttConfig;
  /** The database: users and tokens for logins, servers and snapshots to publish, LISTEN. */
  storage: { pool: pg.Pool };
  log: Logger;
  /** Alert changes to publish; the alert engine emits into the same object. */
  alertEvents: AlertEvents;
  /** Checks an access JWT given as password (the API's `verifyAccessToken` with its keys); without it JWTs are refused. */
  verifyAccessToken?: AccessTokenVerifier;
  /** With MQTT_URL: reconnection backoff to the external broker (defaults 500 ms doubling up to 30 000 ms). */
  reconnect?: { minBackoffMs?: number; maxBackoffMs?: number };
}

/** Sextant's MQTT side, running. */
export interface MqttFanout {
  /** `embedded`: aedes on MQTT_PORT; `external`: publishing to MQTT_URL, `/mqtt` relaying it. */
  readonly mode: 'embedded' | 'external';
  /** Where the embedded broker listens (TCP); undefined with MQTT_URL. */
  readonly address: { host: string; port: number } | undefined;
  /**
   * The broker browsers reach at `/mqtt`: serves one upgraded WebSocket stream as an MQTT
   * connection. `address` is the client's, when it is not the request's peer (behind a proxy).
   */
  handle(stream: Duplex, request: IncomingMessage, address?: string): void;
  readonly publisher: FleetPublisher;
  readonly sink: MqttSink;
  /** Stops publishing, announces `offline`, disconnects every client and closes the listener. */
  close(): Promise<void>;
}

/**
 * Starts the MQTT fan-out. Without `MQTT_URL`: an embedded aedes broker on `MQTT_HOST:MQTT_PORT`
 * (MQTT 3.1/3.1.1) that Sextant publishes into. With it: a client publishing to that broker, and a
 * local relay broker (no TCP listener) holding a copy of `sextant/v1/#` for `/mqtt`, where browsers
 * subscribe. Either way clients log in per the MQTT contract and may only subscribe.
 */
export async function startMqtt(options: StartMqttOptions): Promise<MqttFanout> {
  const { config } = options;
  const log = options.log.child({ module: 'mqtt' });
  const homeAssistantPrefix = config.MQTT_HOMEASSISTANT ? config.MQTT_HOMEASSISTANT_PREFIX : undefined;
  const authenticate = createMqttAuthenticator({ pool: options.storage.pool, verifyAccessToken: options.verifyAccessToken });
  // WebSocket clients behind a proxy: the address the API worked out from its forwarding header.
  const forwarded = new WeakMap<IncomingMessage, string>();
  const clientAddress = (client: Client) => (client.req === undefined ? undefined : forwarded.get(client.req)) ?? peerAddress(client);
  const broker = await createBroker({ authenticate, clientAddress, log, acl: homeAssistantPrefix === undefined ? {} : { homeAssistantPrefix } });
  let server: Server | undefined;
  let sink: MqttSink;
  try {
    if (config.MQTT_URL === undefined) {
      server = await listen(broker, config.MQTT_HOST, config.MQTT_PORT);
      sink = createAedesSink(broker, log);
    } else {
      sink = createExternalSink({
        url: config.MQTT_URL,
        username: config.MQTT_USERNAME,
        password: config.MQTT_PASSWORD,
        log,
        eventLimit: config.MQTT_ALERT_QUEUE,
        ...options.reconnect,
        relay: (topic, payload, qos) => relayInto(broker, topic, payload, qos),
      });
    }
  } catch (err) {
    await closeBroker(broker);
    throw err;
  }
  const publisher = await startFleetPublisher({
    pool: options.storage.pool,
    publish: (message) => sink.publish(message),
    log,
    resyncIntervalMs: config.MQTT_RESYNC_INTERVAL,
    homeAssistantPrefix,
  });
  sink.onReconnect(() => publisher.republishAll());
  const stopAlerts = options.alertEvents.subscribe((alert) => {
    sink.publish({ topic: mqttAlertTopic(alert.serverId, alert.id), payload: JSON.stringify(alert), qos: 1, retain: false });
  });
  const address = server === undefined ? undefined : { host: config.MQTT_HOST, port: (server.address() as AddressInfo).port };
  if (address !== undefined) log.info(address, 'embedded MQTT broker listening');
  let closing: Promise<void> | undefined;
  return {
    mode: config.MQTT_URL === undefined ? 'embedded' : 'external',
    address,
    handle: (stream, request, address) => {
      if (address !== undefined) forwarded.set(request, address);
      broker.handle(stream, request);
    },
    publisher,
    sink,
    close: () =>
      (closing ??= (async () => {
        stopAlerts();
        await publisher.close();
        await sink.close();
        await closeBroker(broker);
        if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function listen(broker: Aedes, host: string, port: number): Promise<Server> {
  // Small MQTT packets must not wait for Nagle (a delivery would sit until the previous one is acknowledged).
  const server = createServer({ noDelay: true }, (socket) => broker.handle(socket));
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void =>
      reject(
        err.code === 'EADDRINUSE'
          ? new MqttError('MQTT_PORT_IN_USE', `MQTT_PORT ${port} on ${host} is in use (another MQTT broker?): set MQTT_PORT to a free port, or MQTT_URL to publish to that broker`, { cause: err })
          : new MqttError('MQTT_LISTEN_FAILED', `the embedded MQTT broker cannot listen on ${host}:${port}: ${err.message}`, { cause: err }),
      );
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server);
    });
  });
}

// What the external broker delivers is copied into the relay broker; its retained topics (all but
// alert events) are kept retained there, so a browser subscribing later gets the current state.
function relayInto(broker: Aedes, topic: string, payload: Buffer, qos: 0 | 1 | 2): void {
  const retain = parseMqttTopic(topic)?.kind !== 'alert';
  broker.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, () => undefined);
}

function closeBroker(broker: Aedes): Promise<void> {
  return new Promise((resolve) => broker.close(() => resolve()));
}
