// N mqtt.js subscribers to `sextant/v1/servers/+/snapshot` in one process. Prints `ready` once all
// are subscribed and `done` once `EXPECT` live (not retained) deliveries arrived; on `report` (stdin)
// prints one JSON line: for each "serverId timestamp", the epoch-ms receipt times.
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';

const [url, count, expect, username, password] = process.argv.slice(2) as [string, string, string, string?, string?];
const receipts = new Map<string, number[]>();
let delivered = 0;
const clients = await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    const client = await mqtt.connectAsync(url, { clientId: `bench-sub-${i}-${process.pid}`, reconnectPeriod: 0, username, password });
    client.on('message', (_topic, payload, packet) => {
      if (packet.retain) return;
      const at = performance.timeOrigin + performance.now();
      const { serverId, timestamp } = JSON.parse(payload.toString()) as { serverId: string; timestamp: string };
      const key = `${serverId} ${timestamp}`;
      const list = receipts.get(key);
      if (list === undefined) receipts.set(key, [at]);
      else list.push(at);
      if (++delivered === Number(expect)) process.stdout.write('done\n');
    });
    await client.subscribeAsync('sextant/v1/servers/+/snapshot', { qos: 0 });
    return client;
  }),
);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'report') process.stdout.write(`${JSON.stringify(Object.fromEntries(receipts))}\n`);
  if (line === 'stop') break;
}
await Promise.all(clients.map((c) => c.endAsync(true)));
process.exit(0);
