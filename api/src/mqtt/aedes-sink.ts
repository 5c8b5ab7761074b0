import type { Aedes, Client } from 'aedes';
import type { Logger } from '@sextant/log';
import type { MqttSink } from './mqtt-sink.ts';
import type { MqttMessage } from './outbox.ts';
import { systemStatusMessage } from './system-status.ts';

/**
 * Publishes straight into an in-process aedes broker (bypassing the client ACL); it is never away.
 *
 * Messages published in one go (one read of the publisher: several servers' snapshots after a burst
 * of commits) reach each client in one socket write instead of one per message: the clients'
 * connections are corked at the first publish of the turn and uncorked once aedes has delivered
 * the turn's last one. A batch takes only one turn's messages (a later batch never holds up an
 * earlier one) and at most half a connection's buffer limit, so aedes never waits for a `drain`
 * that the cork would hold back; connections with data already waiting are left alone.
 */
export function createAedesSink(broker: Aedes, log: Logger): MqttSink {
  const clients = new Set<Client>();
  broker.on('client', (client) => clients.add(client));
  broker.on('clientDisconnect', (client) => clients.delete(client));

  interface Batch {
    conns: Client['conn'][];
    bytes: number;
    budget: number;
    open: number;
  }
  let batch: Batch | undefined;
  const flush = (done: Batch): void => {
    for (const conn of done.conns.splice(0)) conn.uncork();
  };
  const join = (message: MqttMessage): Batch => {
    const size = Buffer.byteLength(message.topic) + Buffer.byteLength(message.payload) + 8;
    if (batch !== undefined && batch.bytes + size > batch.budget) {
      // Full: what it corked goes out once written; this message starts a new batch.
      flush(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const conns: Client['conn'][] = [];
      for (const client of clients) {
        const conn = client.conn;
        if (conn.destroyed) clients.delete(client);
        else if (conn.writable && conn.writableLength === 0 && conn.writableCorked === 0) conns.push(conn);
      }
      const budget = Math.min(...conns.map((conn) => conn.writableHighWaterMark / 2));
      // A message too big for the budget on its own goes out uncorked.
      const created: Batch = size > budget ? { conns: [], bytes: 0, budget: 0, open: 0 } : { conns, bytes: 0, budget, open: 0 };
      for (const conn of created.conns) conn.cork();
      batch = created;
      process.nextTick(() => {
        if (batch === created) batch = undefined;
      });
    }
    batch.bytes += size;
    batch.open++;
    return batch;
  };

  const send = (message: MqttMessage): Promise<void> =>
    new Promise((resolve) => {
      const current = join(message);
      broker.publish(
        { cmd: 'publish', topic: message.topic, payload: Buffer.from(message.payload), qos: message.qos, retain: message.retain, dup: false },
        (err) => {
          if (err !== undefined && err !== null) log.warn({ err, topic: message.topic }, 'MQTT publish failed');
          if (--current.open === 0) flush(current);
          resolve();
        },
      );
    });
  void send(systemStatusMessage('online', new Date()));
  return {
    publish: (message) => void send(message),
    onReconnect: () => undefined,
    close: () => (broker.closed ? Promise.resolve() : send(systemStatusMessage('offline', new Date()))),
  };
}
