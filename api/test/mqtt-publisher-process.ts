// Sextant's MQTT publisher alone in a process (for the last-will test, which kills it): publishes
// to MQTT_URL as MQTT_USERNAME and prints `ready` once connected.
import { createAlertEvents, mqttConfigSchema, startMqtt } from '../src/mqtt/index.ts';
import { createLogger } from '@sextant/log';
import { openStorage } from '@sextant/storage';

const log = createLogger({ level: 'warn' });
const storage = await openStorage({ url: process.env.DATABASE_URL!, log });
const config = mqttConfigSchema.parse({ MQTT_URL: process.env.MQTT_URL, MQTT_USERNAME: process.env.MQTT_USERNAME, MQTT_PASSWORD: process.env.MQTT_PASSWORD });
const fanout = await startMqtt({ config, storage, log, alertEvents: createAlertEvents() });
const sink = fanout.sink as typeof fanout.sink & { connected: boolean };
for (let i = 0; i < 200 && !sink.connected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
process.stdout.write(sink.connected ? 'ready\n' : 'not connected\n');
