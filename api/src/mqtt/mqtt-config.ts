import { flag, port, positiveDuration } from '@sextant/config';
import { z } from 'zod';

/** MQTT fan-out settings, validated once at start; `mqttEnvHelp` documents each variable. */
export const mqttConfigSchema = z.object({
  /** External broker (`mqtt://`, `mqtts://`, `ws://`, `wss://`); unset → the embedded broker. */
  MQTT_URL: z
    .url({ protocol: /^(mqtts?|wss?|tcp|tls)$/, error: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' })
    .optional(),
  /** Embedded broker's TCP port (MQTT 3.1/3.1.1). Default 1883. */
  MQTT_PORT: port.default(1883),
  /** Embedded broker's listen address. Default 127.0.0.1. */
  MQTT_HOST: z.string().default('127.0.0.1'),
  /** Sextant's own login at the external broker (see `sextant mqtt mosquitto-config`). */
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** Alert events kept while the external broker is away; the oldest are dropped past it. Default 1000. */
  MQTT_ALERT_QUEUE: z.coerce.number().int().positive().default(1000),
  /** Full re-read of every server's snapshot and status, in case a notification was missed. Default 60s. */
  MQTT_RESYNC_INTERVAL: positiveDuration.default(60_000),
  /** Publish Home Assistant MQTT discovery configs (retained) for every server. Default false. */
  MQTT_HOMEASSISTANT: flag.default(false),
  /** Home Assistant's discovery prefix. Default `homeassistant`. */
  MQTT_HOMEASSISTANT_PREFIX: z.string().regex(/^[^/#+]+$/, 'one topic level without wildcards').default('homeassistant'),
});

export type MqttConfig = z.output<typeof mqttConfigSchema>;

/** Documentation of each variable for `--help`. */
export const mqttEnvHelp = [
  { name: 'MQTT_URL', default: '(unset: embedded broker)', description: 'external broker Sextant publishes to (Mosquitto, EMQX…); /mqtt then relays it to browsers' },
  { name: 'MQTT_PORT', default: '1883', description: 'embedded broker TCP port (MQTT 3.1.1)' },
  { name: 'MQTT_HOST', default: '127.0.0.1', description: 'embedded broker listen address' },
  { name: 'MQTT_USERNAME / MQTT_PASSWORD', default: '(unset)', description: "Sextant's login at the external broker" },
  { name: 'MQTT_ALERT_QUEUE', default: '1000', description: 'alert events kept while the external broker is away' },
  { name: 'MQTT_RESYNC_INTERVAL', default: '60s', description: 'full re-publish of every server, in case a notification was missed' },
  { name: 'MQTT_HOMEASSISTANT', default: 'false', description: 'publish Home Assistant MQTT discovery configs' },
  { name: 'MQTT_HOMEASSISTANT_PREFIX', default: 'homeassistant', description: 'Home Assistant discovery prefix' },
] as const;
