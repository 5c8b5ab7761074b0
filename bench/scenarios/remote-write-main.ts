// The ingester's remote-write path as the bench runs it: storage, writer and HTTP server in one
// process, remote write open (no token), printing its URL on the first line of stdout.
import { createIngesterServer, createWriter } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';

const DAY = 86_400_000;
const log = createLogger({ level: 'warn' });
const url = process.env.DATABASE_URL;
if (url === undefined) throw new Error('DATABASE_URL must be set');
const storage = await openStorage({ url, log, maxConnections: 8 });
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
await runMaintenance({ pool: storage.pool, caps, retention, log });
const writer = createWriter({ pool: storage.pool, log });
const server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log, remoteWriteAuth: 'open' });
process.stdout.write(`${await server.listen(0)}\n`);
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => writer.close())
    .then(() => storage.close())
    .then(() => process.exit(0));
});
