// Sextant's MQTT fan-out as the bench runs it: storage and startMqtt in one process (embedded broker
// on a free port, or publishing to MQTT_URL), printing `ready <port>` on stdout once it publishes.
import { createAlertEvents, mqttConfigSchema, startMqtt } from '@sextant/api';
import { createLogger } from '@sextant/log';
import { openStorage } from '@sextant/storage';

const log = createLogger({ level: 'warn' });
const url = process.env.DATABASE_URL;
if (url === undefined) throw new Error('DATABASE_URL must be set');
const storage = await openStorage({ url, log });
const config = mqttConfigSchema.parse({ MQTT_PORT: '0', ...(process.env.MQTT_URL === undefined ? {} : { MQTT_URL: process.env.MQTT_URL }) });
const fanout = await startMqtt({ config, storage, log, alertEvents: createAlertEvents() });
await fanout.publisher.idle();
process.stdout.write(`ready ${fanout.address?.port ?? 0}\n`);
process.once('SIGTERM', () => {
  void fanout
    .close()
    .then(() => storage.close())
    .then(() => process.exit(0));
});
