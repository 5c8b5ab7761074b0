// Hostile remote-write bodies sent to the real receiver on a real PostgreSQL: random bytes, random
// bytes behind valid snappy, valid requests with bits flipped before or after compression, odd
// headers. None may crash the receiver or earn a 5xx (5xx means "retry": Prometheus would resend a
// bad body forever); each refusal is a 4xx with a message saying what was wrong.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { recordFigure } from '../../../bench/reliability/record-figure.ts';
import { compress, post, v1Bytes, v2Bytes, V1_HEADERS, V2_HEADERS } from '../../test/remote-write-requests.ts';
import type { TestSeries } from '../../test/remote-write-requests.ts';
import { createIngesterServer, createWriter } from '../index.ts';
import type { IngesterServer } from '../index.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const RUNS = Number(process.env.SEXTANT_FUZZ_RUNS ?? 2_000) / 10;
const statuses = new Map<number, number>();
let tried = 0;

const labelName = fc.oneof(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/), fc.string({ maxLength: 6 }), fc.constant('__name__'));
const series: fc.Arbitrary<TestSeries> = fc.record({
  labels: fc.dictionary(labelName, fc.string({ maxLength: 8 }), { maxKeys: 4 }),
  samples: fc.array(
    fc.record({ value: fc.double(), timestamp: fc.oneof(fc.integer({ min: Date.now() - DAY, max: Date.now() + 60_000 }), fc.integer({ min: -1e15, max: 1e15 })) }),
    { maxLength: 3 },
  ),
});
const validBody = fc.tuple(fc.array(series, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([s, v2]) => ({ bytes: v2 ? v2Bytes(s) : v1Bytes(s), headers: v2 ? V2_HEADERS : V1_HEADERS }));
const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 });
function flip(bytes: Uint8Array, edits: [number, number][]): Buffer {
  const out = Buffer.from(bytes);
  if (out.length === 0) return out;
  for (const [at, mask] of edits) out[at % out.length]! ^= mask;
  return out;
}

describe.each(testBackends().filter((b) => !b.timescaledb).slice(0, 1))('remote-write receiver under hostile bodies ($name)', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let server: IngesterServer;
  let url = '';

  async function refusedCleanly(body: Uint8Array, headers: Record<string, string>): Promise<void> {
    tried++;
    const res = await Promise.race([
      post(url, body, headers),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within 10 s to ${JSON.stringify(headers)} ${Buffer.from(body).toString('hex').slice(0, 400)}`)), 10_000).unref()),
    ]);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect(res.status, `status for ${Buffer.from(body).toString('hex').slice(0, 120)}: ${res.text}`).toBeLessThan(500);
    if (res.status >= 400) expect(res.text.trim().length).toBeGreaterThan(3);
  }

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const writer = createWriter({ pool: storage.pool, log });
    server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log, remoteWriteAuth: 'open', maxBodyBytes: 256 * 1024 });
    url = await server.listen(0);
  });

  afterAll(async () => {
    recordFigure({ suite: 'fuzz', name: 'remote-write bodies to the real receiver', value: tried, unit: 'cases' });
    recordFigure({ suite: 'fuzz', name: 'remote-write answers by status', value: [...statuses].map(([s, n]) => `${s}: ${n}`).join(', ') });
    await server?.close();
    await storage?.close();
    await database?.drop();
  });

  it('random bytes, raw or behind valid snappy, as 1.0 and 2.0', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.boolean(), fc.boolean(), (bytes, snappy, v2) => refusedCleanly(snappy ? compress(bytes) : bytes, v2 ? V2_HEADERS : V1_HEADERS)),
      { numRuns: RUNS },
    );
  });

  it('valid requests with bits flipped in the protobuf (then compressed)', async () => {
    await fc.assert(fc.asyncProperty(validBody, flips, (body, edits) => refusedCleanly(compress(flip(body.bytes, edits)), body.headers)), { numRuns: RUNS });
  });

  it('valid requests with bits flipped in the snappy stream', async () => {
    await fc.assert(fc.asyncProperty(validBody, flips, (body, edits) => refusedCleanly(flip(compress(body.bytes), edits), body.headers)), { numRuns: RUNS });
  });

  it('valid requests with random content type, encoding and version headers', async () => {
    const header = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('application/x-protobuf', 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'snappy', 'gzip', '2.0.0', '0.1.0', 'x'));
    await fc.assert(
      fc.asyncProperty(validBody, header, header, header, (body, type, encoding, version) =>
        refusedCleanly(compress(body.bytes), { 'content-type': type.replace(/[^\x20-\x7e]/g, ''), 'content-encoding': encoding.replace(/[^\x20-\x7e]/g, ''), 'x-prometheus-remote-write-version': version.replace(/[^\x20-\x7e]/g, '') }),
      ),
      { numRuns: RUNS },
    );
  });

  it('a sample time beyond what Date can hold (a garbled int64) is a 400, not a 500', async () => {
    // Found by the bit-flip property: SampleOutOfBoundsError printed the time with toISOString, which throws past ±8.64e15 ms.
    const res = await post(url, compress(v1Bytes([{ labels: { __name__: 'fuzz_far_future' }, samples: [{ value: 1, timestamp: 9e15 }] }])), V1_HEADERS);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/outside the stored time range/);
  });

  it('a snappy header that promises more than the body limit is refused without allocating it', async () => {
    // Snappy's preamble is the uncompressed length as a varint: claim 4 GiB.
    await refusedCleanly(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), V1_HEADERS);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});
