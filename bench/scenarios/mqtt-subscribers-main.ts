// N MQTT 3.1.1 subscribers to `sextant/v1/servers/+/snapshot` in one process. Prints `ready` once all
// are subscribed, `warm` once `WARM` live (not retained) deliveries arrived and `done` once `EXPECT`
// did; on `report` (stdin) prints one JSON line: for each "serverId timestamp", the epoch-ms receipt times.
//
// Each subscriber is a bare socket with mqtt-packet's parser (what mqtt.js runs inside): the receipt
// time is taken when the bytes arrive and payloads are decoded only at `report`, so the 100
// subscribers' own CPU (which shares the machine with the brokers measured) stays small.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

const [url, count, warm, expect, username, password] = process.argv.slice(2) as [string, string, string, string, string?, string?];
const { hostname, port } = new URL(url);
const TOPIC = 'sextant/v1/servers/+/snapshot';
const receivedAt: number[] = [];
const payloads: Buffer[] = [];
let delivered = 0;

function subscriber(i: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), noDelay: true });
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let at = 0;
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    parser.on('error', fail);
    parser.on('packet', (packet: Packet) => {
      if (packet.cmd === 'publish') {
        if (packet.retain) return;
        receivedAt.push(at);
        payloads.push(packet.payload as Buffer);
        if (++delivered === Number(warm)) process.stdout.write('warm\n');
        if (delivered === Number(expect)) process.stdout.write('done\n');
      } else if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) fail(new Error(`subscriber ${i}: CONNACK ${packet.returnCode}`));
        else socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: TOPIC, qos: 0 }] }));
      } else if (packet.cmd === 'suback') {
        if (packet.granted[0] !== 0) fail(new Error(`subscriber ${i}: SUBACK ${JSON.stringify(packet.granted)}`));
        else resolve(socket);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      at = performance.timeOrigin + performance.now();
      parser.parse(chunk);
    });
    socket.once('error', fail);
    socket.once('connect', () =>
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: `bench-sub-${i}-${process.pid}`,
          keepalive: 0,
          ...(username === undefined ? {} : { username, password: Buffer.from(password ?? '') }),
        }),
      ),
    );
  });
}

const sockets = await Promise.all(Array.from({ length: Number(count) }, (_, i) => subscriber(i)));
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'report') {
    const receipts: Record<string, number[]> = {};
    for (let i = 0; i < payloads.length; i++) {
      const { serverId, timestamp } = JSON.parse(payloads[i]!.toString()) as { serverId: string; timestamp: string };
      (receipts[`${serverId} ${timestamp}`] ??= []).push(receivedAt[i]!);
    }
    process.stdout.write(`${JSON.stringify(receipts)}\n`);
  }
  if (line === 'stop') break;
}
for (const socket of sockets) socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
process.exit(0);
