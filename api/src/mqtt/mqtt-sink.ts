import type { MqttMessage } from './outbox.ts';

/** Where the publisher sends its messages: the embedded broker, or an external one. */
export interface MqttSink {
  /** Sends now, or keeps it until the broker is back (see `Outbox`). Never throws. */
  publish(message: MqttMessage): void;
  /** `listener` runs after each reconnection, when the broker may have lost retained state. */
  onReconnect(listener: () => void): void;
  /** Announces `offline` and lets go of the broker. */
  close(): Promise<void>;
}
