import { Aedes } from 'aedes';
import type { AuthenticateError, Client } from 'aedes';
import type { Logger } from '@sextant/log';
import type { MqttAuthenticator } from './mqtt-authenticator.ts';
import { canPublish, canSubscribe } from './topic-acl.ts';
import type { MqttPrincipal, TopicAclOptions } from './topic-acl.ts';

export interface CreateBrokerOptions {
  authenticate: MqttAuthenticator;
  /** The address a client's login is counted against (e.g. `peerAddress`). */
  clientAddress: (client: Client) => string;
  log: Logger;
  acl?: TopicAclOptions;
  /** A subscriber that stops reading is dropped after this long, so it cannot stall the others. Default 10 000 ms. */
  drainTimeoutMs?: number;
}

// CONNACK return codes of MQTT 3.1.1 §3.2.2.3.
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

function authError(message: string, returnCode: number): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

/**
 * An aedes broker (MQTT 3.1 and 3.1.1; aedes answers an MQTT 5 CONNECT with "unacceptable protocol
 * version") that lets in only authenticated clients and applies the topic ACL. Clients are
 * subscribe-only: a refused SUBSCRIBE is granted 0x80, a refused PUBLISH closes the connection
 * (MQTT 3.1.1 §3.3.5 has no other answer). It serves whatever transport is handed to `handle`.
 */
export async function createBroker(options: CreateBrokerOptions): Promise<Aedes> {
  const log = options.log;
  const acl = options.acl ?? {};
  const principals = new WeakMap<Client, MqttPrincipal>();
  const expiryTimers = new WeakMap<Client, NodeJS.Timeout>();
  const broker = await Aedes.createBroker({ drainTimeout: options.drainTimeoutMs ?? 10_000, heartbeatInterval: 60_000 });

  broker.preConnect = (client, packet, done) => {
    // A will is a publish made later on the client's behalf: it must pass the same rule.
    const will = packet.will;
    if (will !== undefined && !canPublish({ userId: '', username: '', role: 'viewer' }, will.topic, acl)) {
      log.info({ clientId: client.id, topic: will.topic }, 'MQTT will topic refused');
      done(new Error('will topic not allowed'), false);
      return;
    }
    done(null, true);
  };

  broker.authenticate = (client, username, password, done) => {
    options.authenticate(username, password?.toString('utf8'), options.clientAddress(client)).then(
      (principal) => {
        if (principal === null) {
          log.info({ clientId: client.id, username }, 'MQTT login refused');
          done(authError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
          return;
        }
        principals.set(client, principal);
        if (principal.expiresAt !== undefined) {
          // An access JWT is good until it expires, and so is the session opened with it.
          const timer = setTimeout(() => client.close(), Math.max(0, principal.expiresAt - Date.now()));
          timer.unref();
          expiryTimers.set(client, timer);
        }
        done(null, true);
      },
      (err: unknown) => {
        log.warn({ err, clientId: client.id }, 'MQTT login could not be checked');
        done(authError('server unavailable', SERVER_UNAVAILABLE), false);
      },
    );
  };

  broker.authorizeSubscribe = (client, subscription, done) => {
    const principal = principals.get(client);
    if (principal === undefined || !canSubscribe(principal, subscription.topic, acl)) {
      log.info({ clientId: client.id, username: principal?.username, topic: subscription.topic }, 'MQTT subscription refused');
      done(null, null);
      return;
    }
    done(null, subscription);
  };

  broker.authorizePublish = (client, packet, done) => {
    // Sextant's own messages go through broker.publish, which does not come here.
    const principal = client === null ? undefined : principals.get(client);
    if (principal === undefined || !canPublish(principal, packet.topic, acl)) {
      log.info({ clientId: client?.id, username: principal?.username, topic: packet.topic }, 'MQTT publish refused');
      done(new Error('publishing here is not allowed'));
      return;
    }
    done(null);
  };

  broker.on('clientDisconnect', (client) => {
    clearTimeout(expiryTimers.get(client));
  });
  broker.on('connectionError', (client, err) => log.debug({ err, clientId: client.id }, 'MQTT connection failed'));
  broker.on('clientError', (client, err) => log.debug({ err, clientId: client.id }, 'MQTT client error'));
  return broker;
}

/** The client's peer: of its TCP socket, or of the HTTP request a WebSocket client came in by. */
export function peerAddress(client: Client): string {
  return (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket.remoteAddress ?? 'unknown';
}
