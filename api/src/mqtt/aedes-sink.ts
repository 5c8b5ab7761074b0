import type { Aedes } from 'aedes';
import type { Logger } from '@sextant/log';
import type { MqttSink } from './mqtt-sink.ts';
import type { MqttMessage } from './outbox.ts';
import { systemStatusMessage } from './system-status.ts';

/** Publishes straight into an in-process aedes broker (bypassing the client ACL); it is never away. */
export function createAedesSink(broker: Aedes, log: Logger): MqttSink {
  const send = (message: MqttMessage): Promise<void> =>
    new Promise((resolve) => {
      broker.publish(
        { cmd: 'publish', topic: message.topic, payload: Buffer.from(message.payload), qos: message.qos, retain: message.retain, dup: false },
        (err) => {
          if (err !== undefined && err !== null) log.warn({ err, topic: message.topic }, 'MQTT publish failed');
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
