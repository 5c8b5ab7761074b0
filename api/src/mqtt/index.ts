export type { AlertEvent, AlertEvents } from './alert-events.ts';
export { createAlertEvents } from './alert-events.ts';
export { attachMqttWebSocket, MQTT_WEBSOCKET_PATH } from './attach-mqtt-websocket.ts';
export type { AccessTokenVerifier } from './mqtt-authenticator.ts';
export { MQTT_TOKEN_USERNAME } from './mqtt-authenticator.ts';
export { mqttConfigSchema, mqttEnvHelp } from './mqtt-config.ts';
export type { MqttConfig } from './mqtt-config.ts';
export { startMqtt } from './start-mqtt.ts';
export type { MqttFanout, StartMqttOptions } from './start-mqtt.ts';
