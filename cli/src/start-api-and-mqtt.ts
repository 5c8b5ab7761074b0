import { attachMqttWebSocket, createAlertEvents, koaClientAddress, loadJwtKeys, MQTT_WEBSOCKET_PATH, MqttError, startApi, startMqtt, verifyAccessToken } from '@sextant/api';
import type { ApiConfig, MqttConfig, StartApiOptions } from '@sextant/api';
import type { Logger } from '@sextant/log';
import type { Capabilities, Storage } from '@sextant/storage';
import type { Shutdown } from './shutdown.ts';

export interface ApiAndMqttOptions {
  /** MQTT_PORT undefined: 1883, or any free port when 1883 is taken (`sextant up` on a machine that runs a broker already). */
  config: ApiConfig & Omit<MqttConfig, 'MQTT_PORT'> & { MQTT_PORT: number | undefined; SEXTANT_DATA_DIR: string };
  storage: Storage;
  caps: Capabilities;
  log: Logger;
  shutdown: Shutdown;
  /** Passed on to startApi (e.g. alert engine settings). */
  api?: Pick<StartApiOptions, 'alertEngine'>;
}

/**
 * Starts the API and the MQTT fan-out sharing one alert-events channel, with MQTT over WebSocket at
 * `/mqtt` on the API's server. Closed in reverse: WebSocket clients and the broker first, then the API.
 * Answers the banner lines.
 */
export async function startApiAndMqtt(options: ApiAndMqttOptions): Promise<string[]> {
  const { config, storage, caps, log, shutdown } = options;
  const keys = await loadJwtKeys(config);
  const alertEvents = createAlertEvents((err) => log.error({ err }, 'alert event listener failed'));
  const api = shutdown.add('api', await startApi({ config, storage, caps, log, keys, alertEvents, ...options.api }));
  const lines = [`  api       ${api.url}  (UI at /, reference at /api/docs)`];
  const start = (port: number) =>
    startMqtt({ config: { ...config, MQTT_PORT: port }, storage, log, alertEvents, verifyAccessToken: (token) => verifyAccessToken(keys, token) });
  let mqtt;
  try {
    mqtt = await start(config.MQTT_PORT ?? 1883);
  } catch (err) {
    if (!(config.MQTT_PORT === undefined && err instanceof MqttError && err.code === 'MQTT_PORT_IN_USE')) throw err;
    log.warn({ port: 1883 }, 'port 1883 is taken (another MQTT broker?): the embedded broker listens on a free port instead');
    mqtt = await start(0);
  }
  // Logins over /mqtt are counted against the client's address as the API sees it (a trusted proxy's header).
  const detach = attachMqttWebSocket(api.server, mqtt, { clientAddress: koaClientAddress(api.app) });
  shutdown.add('mqtt', {
    close: async () => {
      detach();
      await mqtt.close();
    },
  });
  const ws = `${api.url.replace(/^http/, 'ws')}${MQTT_WEBSOCKET_PATH}`;
  lines.push(
    mqtt.address === undefined
      ? `  mqtt      publishing to ${config.MQTT_URL}; browsers at ${ws}`
      : `  mqtt      mqtt://${mqtt.address.host}:${mqtt.address.port}  and ${ws}`,
  );
  return lines;
}
