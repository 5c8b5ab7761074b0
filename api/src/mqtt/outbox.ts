/** One message on its way to a broker. */
export interface MqttMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/**
 * What waits while the broker is away. Retained state coalesces (the latest per topic wins: a
 * subscriber only ever sees the newest snapshot anyway); events (alerts, not retained) queue in
 * order up to `eventLimit`, past which the oldest is dropped and counted.
 */
export class Outbox {
  readonly eventLimit: number;
  #state = new Map<string, MqttMessage>();
  #events: MqttMessage[] = [];
  #dropped = 0;

  constructor(eventLimit: number) {
    if (!Number.isInteger(eventLimit) || eventLimit < 1) throw new RangeError('eventLimit must be a positive integer');
    this.eventLimit = eventLimit;
  }

  /** Keeps `message`; answers the event it pushed out, if the queue was full. */
  add(message: MqttMessage): MqttMessage | undefined {
    if (message.retain) {
      // Re-inserting moves the topic to the end, so state drains in the order it last changed.
      this.#state.delete(message.topic);
      this.#state.set(message.topic, message);
      return undefined;
    }
    this.#events.push(message);
    if (this.#events.length <= this.eventLimit) return undefined;
    this.#dropped++;
    return this.#events.shift();
  }

  /** Everything kept, state first, then events oldest first; the outbox is empty afterwards. */
  drain(): MqttMessage[] {
    const out = [...this.#state.values(), ...this.#events];
    this.#state.clear();
    this.#events = [];
    return out;
  }

  get size(): number {
    return this.#state.size + this.#events.length;
  }

  /** Events dropped since the start because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }
}
