export type MqttErrorCode = 'MQTT_PORT_IN_USE' | 'MQTT_LISTEN_FAILED';

/** A start-up failure of the MQTT fan-out, with a stable `code` and a message that says what to change. */
export class MqttError extends Error {
  readonly code: MqttErrorCode;

  constructor(code: MqttErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MqttError';
    this.code = code;
  }
}
