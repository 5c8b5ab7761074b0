// The receiver cases of prometheus/compliance remotewrite/receiver (compat §3.1), re-expressed against
// a real database, plus what that suite cannot see: the data read back, stale-marker bits, retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createIngesterServer, createWriter } from '../src/index.ts';
import type { IngesterServer } from '../src/index.ts';
import { compress, post, STALE_SENTINEL, v1Bytes, v2Bytes, V1_HEADERS, V2_HEADERS } from './remote-write-requests.ts';
import type { TestSeries } from './remote-write-requests.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const COUNTER = 1;
const GAUGE = 2;

describe.each(testBackends())('remote-write receiver on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let server: IngesterServer;
  let url: string;
  let t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const now = () => (t += 10);

  const stored = async (name: string) =>
    (
      await storage.pool.query<{ labels: Record<string, string>; ms: string; bits: string }>(
        `SELECT labels, (extract(epoch FROM "time") * 1000)::int8 AS ms, encode(float8send(value), 'hex') AS bits
           FROM samples JOIN series ON series.id = samples.series_id WHERE metric_name = $1 ORDER BY "time", labels::text`,
        [name],
      )
    ).rows.map((r) => ({ labels: r.labels, ms: Number(r.ms), bits: r.bits }));
  const bits = (value: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return b.toString('hex');
  };
  const single = (name: string, extra: Record<string, string>, value: number): TestSeries => ({ labels: { __name__: name, ...extra }, samples: [{ value, timestamp: now() }] });
  const v1 = (series: TestSeries[]) => post(url, compress(v1Bytes(series)), V1_HEADERS);
  const v2 = (series: TestSeries[]) => post(url, compress(v2Bytes(series)), V2_HEADERS);

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const writer = createWriter({ pool: storage.pool, log });
    server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log, remoteWriteAuth: 'open', maxBodyBytes: 256 * 1024 });
    url = await server.listen(0);
  });

  afterAll(async () => {
    await server?.close();
    await storage?.close();
    await database?.drop();
  });

  it('1.0: stores a request and answers 204 with an empty body', async () => {
    const ts = now();
    const res = await v1([{ labels: { __name__: 'rw1_basic', job: 'j', instance: 'i:1' }, samples: [{ value: 1.5, timestamp: ts }, { value: 2.5, timestamp: ts + 1 }] }]);
    expect(res).toMatchObject({ status: 204, text: '', samples: '2' });
    expect(await stored('rw1_basic')).toEqual([
      { labels: { instance: 'i:1', job: 'j' }, ms: ts, bits: bits(1.5) },
      { labels: { instance: 'i:1', job: 'j' }, ms: ts + 1, bits: bits(2.5) },
    ]);
  });

  it('2.0: stores a request and answers 204 with exact *-Written headers', async () => {
    const res = await v2([
      { labels: { __name__: 'rw2_basic', job: 'a' }, samples: [{ value: 1, timestamp: now() }, { value: 2, timestamp: now() }], metadata: { type: GAUGE, help: 'h' } },
      { labels: { __name__: 'rw2_basic', job: 'b' }, samples: [{ value: 3, timestamp: now() }], metadata: { type: GAUGE, help: 'h' } },
    ]);
    expect(res).toMatchObject({ status: 204, text: '', samples: '3', histograms: '0', exemplars: '0' });
    expect((await stored('rw2_basic')).map((r) => r.labels.job)).toEqual(['a', 'a', 'b']);
  });

  it('stores a retried request once, and still reports its samples as written', async () => {
    const body = compress(v1Bytes([single('rw_retry', { job: 'r' }, 7), single('rw_retry', { job: 's' }, 8)]));
    expect((await post(url, body, V1_HEADERS)).status).toBe(204);
    const again = await post(url, body, V1_HEADERS);
    expect(again).toMatchObject({ status: 204, samples: '2' });
    expect(await stored('rw_retry')).toHaveLength(2);
    const body2 = compress(v2Bytes([single('rw2_retry', {}, 1)]));
    expect((await post(url, body2, V2_HEADERS)).samples).toBe('1');
    expect((await post(url, body2, V2_HEADERS)).samples).toBe('1');
    expect(await stored('rw2_retry')).toHaveLength(1);
  });

  it('keeps the stale marker bit for bit in 1.0 and 2.0, and an ordinary NaN as NaN', async () => {
    expect((await v1([single('rw_stale', { v: '1' }, 1), single('rw_stale', { v: '1' }, STALE_SENTINEL)])).status).toBe(204);
    expect((await v2([single('rw_stale', { v: '2' }, STALE_SENTINEL), single('rw_stale', { v: '3' }, Number.NaN)])).status).toBe(204);
    const rows = await stored('rw_stale');
    expect(rows.map((r) => [r.labels.v, r.bits])).toEqual([
      ['1', bits(1)],
      ['1', '7ff0000000000002'],
      ['2', '7ff0000000000002'],
      ['3', '7ff8000000000000'],
    ]);
  });

  describe('request_test.go', () => {
    it.each(['application/json', 'image/png', 'application/x-protobuf;proto=io.prometheus.write.v9.Request'])('answers 415 to Content-Type %s', async (type) => {
      const res = await post(url, compress(v2Bytes([single('rw_415', {}, 1)])), { ...V2_HEADERS, 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.text).toMatch(/Content-Type|proto/);
    });

    it.each(['gzip', 'deflate'])('answers 415 to Content-Encoding %s', async (encoding) => {
      const res = await post(url, compress(v2Bytes([single('rw_415', {}, 1)])), { ...V2_HEADERS, 'content-encoding': encoding });
      expect(res.status).toBe(415);
      expect(res.text).toMatch(/Content-Encoding/);
    });

    it('answers 400 to a corrupted protobuf body (TestCorruptRequestBody)', async () => {
      const res = await post(url, compress(Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02])), V2_HEADERS);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/cannot decode/);
    });

    it('answers 400 to a corrupted snappy header and to a framed-snappy body (TestRW1ErrorHandling)', async () => {
      const good = compress(v1Bytes([single('rw_snappy', {}, 1)]));
      const bad = Buffer.from(good);
      bad[0] = 0xff;
      bad[1] = 0xff;
      expect((await post(url, bad, V1_HEADERS)).status).toBe(400);
      const framed = Buffer.concat([Buffer.from([0xff, 0x06, 0x00, 0x00]), Buffer.from('sNaPpY'), good]);
      expect((await post(url, framed, V1_HEADERS)).status).toBe(400);
      expect(await stored('rw_snappy')).toEqual([]);
    });

    it('answers 413 to a body over the limit, and 405 to anything but POST', async () => {
      const huge = Buffer.alloc(300 * 1024, 1);
      const res = await post(url, huge, V1_HEADERS);
      expect(res.status).toBe(413);
      const get = await fetch(`${url}/api/v1/write`);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
    });

    it('reads a 2.0 body as 1.0 only when the Content-Type says 1.0 (then finds no series)', async () => {
      const res = await post(url, compress(v2Bytes([single('rw_mixup', {}, 1)])), V1_HEADERS);
      expect(res).toMatchObject({ status: 204, samples: '0' });
      expect(await stored('rw_mixup')).toEqual([]);
    });
  });

  describe('metric_test.go', () => {
    const values: [string, number][] = [['NaN', Number.NaN], ['+Inf', Infinity], ['-Inf', -Infinity], ['0', 0], ['-1.5e-7', -1.5e-7], ['1e300', 1e300]];
    it.each(values)('TestSingleMetric with value %s: simple, many labels, newline values, dotted and spaced names', async (_, value) => {
      const cases: TestSeries[] = [
        single('single_simple', {}, value),
        single('single_multi', { a: '1', b: '2', c: '3', job: 'x', instance: 'y' }, value),
        single('single_newline', { text: 'line one\nline two' }, value),
        single('resource.cpu.usage', { 'job.name': 'dotted' }, value),
        single('metric with spaces', { 'label name': 'value with spaces' }, value),
      ];
      for (const c of cases) {
        const res = await v2([c]);
        expect(res, c.labels.__name__).toMatchObject({ status: 204, samples: '1' });
      }
      expect((await stored('resource.cpu.usage')).at(-1)).toMatchObject({ labels: { 'job.name': 'dotted' }, bits: bits(value) });
      expect((await stored('single_newline')).at(-1)?.labels.text).toBe('line one\nline two');
    });

    it('refuses a series without __name__ and an empty label set with 400 (TestSingleMetric negative cases)', async () => {
      for (const labels of [{ job: 'no-name' }, {}] as Record<string, string>[]) {
        const res = await v2([{ labels, samples: [{ value: 1, timestamp: now() }] }]);
        expect(res).toMatchObject({ status: 400, samples: '0' });
        expect(res.text).toMatch(/no metric name/);
      }
      expect((await v1([{ labels: { job: 'no-name' }, samples: [{ value: 1, timestamp: now() }] }])).status).toBe(400);
    });

    it('refuses duplicate and empty label names with 400, and drops labels with empty values', async () => {
      const sample = () => [{ value: 1, timestamp: now() }];
      const dup = await v1([{ labels: {}, labelPairs: [['__name__', 'dup_label'], ['job', 'a'], ['job', 'b']], samples: sample() }]);
      expect(dup.status).toBe(400);
      expect(dup.text).toMatch(/"job" appears twice/);
      const empty = await v1([{ labels: {}, labelPairs: [['__name__', 'empty_name'], ['', 'v']], samples: sample() }]);
      expect(empty.status).toBe(400);
      expect(empty.text).toMatch(/empty name/);
      expect(await v1([{ labels: { __name__: 'empty_value', job: '' }, samples: sample() }])).toMatchObject({ status: 204 });
      expect((await stored('empty_value')).map((r) => r.labels)).toEqual([{}]);
      expect(await stored('dup_label')).toEqual([]);
    });

    it('TestCounterWithCreatedTimestamp: a start timestamp is accepted and ignored', async () => {
      const ts = now();
      const res = await v2([{ labels: { __name__: 'created_total' }, samples: [{ value: 5, timestamp: ts, start_timestamp: ts - 60_000 }], metadata: { type: COUNTER } }]);
      expect(res).toMatchObject({ status: 204, samples: '1' });
    });

    it('TestMultipleMetrics: 4 valid → 4 written; 4 nameless → 400, 0 written; 1 of 4 invalid → 400, 3 written', async () => {
      const four = (prefix: string) => ['a', 'b', 'c', 'd'].map((k) => single(`${prefix}_${k}`, {}, 1));
      expect(await v2(four('multi_ok'))).toMatchObject({ status: 204, samples: '4' });
      const nameless = ['a', 'b', 'c', 'd'].map((k): TestSeries => ({ labels: { job: k }, samples: [{ value: 1, timestamp: now() }] }));
      expect(await v2(nameless)).toMatchObject({ status: 400, samples: '0' });
      const mixed = four('multi_mixed');
      mixed[2] = { labels: { job: 'c' }, samples: [{ value: 1, timestamp: now() }] };
      const res = await v2(mixed);
      expect(res).toMatchObject({ status: 400, samples: '3' });
      expect(res.text).toMatch(/1 series or item\(s\) refused, 3 sample\(s\) written/);
      expect(await stored('multi_mixed_d')).toHaveLength(1);
    });
  });

  describe('histograms, exemplars and metadata', () => {
    const histogram = { count_int: 3, sum: 4.5, schema: 0, zero_threshold: 1e-128, zero_count_int: 0, positive_spans: [{ offset: 0, length: 2 }], positive_deltas: [1, 1], timestamp: 0 };

    it('refuses native histograms with 400 and Histograms-Written 0 (TestHistograms), storing the float series beside them', async () => {
      const res = await v2([
        { labels: { __name__: 'hist_native' }, histograms: [{ ...histogram, timestamp: now() }], metadata: { type: 3 } },
        single('hist_neighbour', {}, 2),
      ]);
      expect(res).toMatchObject({ status: 400, samples: '1', histograms: '0' });
      expect(res.text).toMatch(/native histograms are not stored/);
      expect(await stored('hist_neighbour')).toHaveLength(1);
      expect(await stored('hist_native')).toEqual([]);
    });

    it('refuses a series with both samples and histograms', async () => {
      const res = await v2([{ labels: { __name__: 'hist_both' }, samples: [{ value: 1, timestamp: now() }], histograms: [{ ...histogram, timestamp: now() }] }]);
      expect(res).toMatchObject({ status: 400, samples: '0' });
      expect(await stored('hist_both')).toEqual([]);
    });

    it('2.0 exemplars: 400 with Exemplars-Written 0, the samples stored (TestExemplars)', async () => {
      const ts = now();
      const res = await v2([{ labels: { __name__: 'ex_metric' }, samples: [{ value: 1, timestamp: ts }], exemplars: [{ labels: { trace_id: 'abc' }, value: 1, timestamp: ts }] }]);
      expect(res).toMatchObject({ status: 400, samples: '1', exemplars: '0' });
      expect(await stored('ex_metric')).toHaveLength(1);
    });

    it('1.0 exemplars are ignored as Prometheus ignores them without exemplar storage', async () => {
      const ts = now();
      const res = await v1([{ labels: { __name__: 'ex_v1' }, samples: [{ value: 1, timestamp: ts }], exemplars: [{ labels: { trace_id: 'abc' }, value: 1, timestamp: ts }] }]);
      expect(res.status).toBe(204);
      expect(await stored('ex_v1')).toHaveLength(1);
    });

    it('TestMetadata: every type, with and without help/unit, stored in metric_metadata', async () => {
      const types = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];
      const series = types.map((_, i): TestSeries => ({ ...single(`meta_t${i}`, {}, i), metadata: { type: i, help: i % 2 === 0 ? `Help "${i}" \\ ✓` : '', unit: i === 2 ? 'seconds' : '' } }));
      expect(await v2(series)).toMatchObject({ status: 204, samples: String(types.length) });
      const rows = await storage.pool.query<{ metric_family: string; type: string; help: string; unit: string }>(
        `SELECT metric_family, type, help, unit FROM metric_metadata WHERE metric_family LIKE 'meta_t%' ORDER BY metric_family`,
      );
      expect(rows.rows).toEqual(types.map((type, i) => ({ metric_family: `meta_t${i}`, type, help: i % 2 === 0 ? `Help "${i}" \\ ✓` : '', unit: i === 2 ? 'seconds' : '' })));
    });

    it('accepts a metadata-only 1.0 request (what Prometheus sends every minute) with 204', async () => {
      const body = compress(v1Bytes([], [{ type: COUNTER, metric_family_name: 'http_requests', help: 'Requests served.', unit: '' }, { type: GAUGE, metric_family_name: 'temp', help: 'Temperature.', unit: 'celsius' }]));
      expect(await post(url, body, V1_HEADERS)).toMatchObject({ status: 204, samples: '0' });
      const rows = await storage.pool.query(`SELECT metric_family, type, unit FROM metric_metadata WHERE metric_family IN ('http_requests', 'temp') ORDER BY 1`);
      expect(rows.rows).toEqual([
        { metric_family: 'http_requests', type: 'counter', unit: '' },
        { metric_family: 'temp', type: 'gauge', unit: 'celsius' },
      ]);
      expect(await post(url, compress(v1Bytes([])), V1_HEADERS)).toMatchObject({ status: 204 });
    });

    it('refuses symbols[0] other than "" and label refs outside the symbols table', async () => {
      const res = await post(url, compress(v2Bytes([single('bad_symbols', {}, 1)], { symbols: ['x'] })), V2_HEADERS);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/symbols\[0\]/);
      const bytes = v2Bytes([{ labels: {}, labelRefs: [1, 2, 1, 99], samples: [{ value: 1, timestamp: now() }] }], { symbols: ['', '__name__', 'bad_ref'] });
      const out = await post(url, compress(bytes), V2_HEADERS);
      expect(out.status).toBe(400);
      expect(out.text).toMatch(/outside the \d+ symbols/);
    });
  });

  describe('combined_test.go', () => {
    it('TestManySamples: 1000 series × 10 samples in one request, all written', async () => {
      const base = now();
      t += 100;
      const series = Array.from({ length: 1000 }, (_, i): TestSeries => ({
        labels: { __name__: 'many_samples', idx: String(i), job: 'bulk' },
        samples: Array.from({ length: 10 }, (_, k) => ({ value: i * 10 + k, timestamp: base + k })),
      }));
      expect(await v2(series)).toMatchObject({ status: 204, samples: '10000' });
      const n = await storage.pool.query<{ n: string; s: number }>(`SELECT count(*) AS n, sum(value) AS s FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'many_samples'`);
      expect(n.rows[0]).toEqual({ n: '10000', s: (9999 * 10000) / 2 });
    });
  });

  it.runIf(!backend.timescaledb)('answers 400 and stores nothing when samples fall outside the stored time range', async () => {
    const res = await v1([single('oob_ok', {}, 1), { labels: { __name__: 'oob_old' }, samples: [{ value: 1, timestamp: Date.now() - 60 * DAY }] }]);
    expect(res).toMatchObject({ status: 400, samples: '0' });
    expect(res.text).toMatch(/outside the stored time range/);
    expect(await stored('oob_ok')).toEqual([]);
  });

  it('serves /healthz, /readyz and its own /metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/sextant_remote_write_requests_total\{version="v2",code="204"\} [1-9]/);
    expect(metrics).toMatch(/sextant_remote_write_requests_total\{version="unknown",code="415"\} [1-9]/);
    expect(metrics).toMatch(/sextant_remote_write_samples_stored_total [1-9]/);
    expect(metrics).toMatch(/sextant_remote_write_samples_duplicate_total [1-9]/);
    expect(metrics).toMatch(/process_cpu_seconds_total/);
  });
});
