import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { waitFor } from '@sextant/testkit/process';
import type { RunningIngester } from '../src/start-ingester.ts';
import { diffSamples, PROMETHEUS, prometheusSamples, sextantSamples, startPrometheus } from './prometheus-peer.ts';
import type { RunningPrometheus } from './prometheus-peer.ts';
import { log, nodeBody, openTestStorage, startFakeTarget, startTestIngester } from './scrape-fixture.ts';
import type { FakeTarget } from './scrape-fixture.ts';

// PostgreSQL stays down this long while the ingester scrapes and Prometheus remote-writes (Must show 4).
const OUTAGE_MS = 62_000;

describe.skipIf(PROMETHEUS === undefined)('a PostgreSQL outage during scraping and remote-write', () => {
  let pgDir = '';
  let postgres: EmbeddedPostgresHandle | undefined;
  let storage: Storage;
  let ingester: RunningIngester | undefined;
  let prometheus: RunningPrometheus | undefined;
  let scraped: FakeTarget;
  let remote: FakeTarget;
  let startedAt = 0;
  let stoppedAt = 0;
  let restartedAt = 0;
  let waitingAtWorst = 0;

  beforeAll(async () => {
    pgDir = await mkdtemp(path.join(tmpdir(), 'sextant-outage-pg-'));
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, log });
    storage = await openTestStorage(postgres.url);
    scraped = await startFakeTarget(nodeBody('scraped-host'));
    remote = await startFakeTarget(nodeBody('remote-host'));
    ingester = await startTestIngester(storage, { SCRAPE_INTERVAL: '1s', SCRAPE_TARGETS: scraped.address });
    startedAt = Date.now();
    prometheus = await startPrometheus({ jobs: [{ name: 'remote', targets: [remote.address] }], remoteWriteUrl: `${ingester.url}/api/v1/write`, interval: '1s' });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.close();
    await ingester?.close();
    await scraped?.stop();
    await remote?.stop();
    await storage?.close();
    await postgres?.close();
    if (pgDir !== '') await rm(pgDir, { recursive: true, force: true });
  }, 60_000);

  it('buffers scrapes on disk and has Prometheus retry while PostgreSQL is stopped', async () => {
    await waitFor('remote-written samples before the outage', async () => ((await sextantSamples(storage.pool, { job: 'remote' }, Date.now(), 600)).size > 0 ? true : undefined));
    await postgres!.close();
    stoppedAt = Date.now();
    const readyz = await fetch(`${ingester!.url}/readyz`);
    expect(readyz.status).toBe(503);
    // Stay down for the whole outage, watching the buffer grow (one batch per scrape).
    await waitFor('the outage to last', () => {
      waitingAtWorst = Math.max(waitingAtWorst, ingester!.buffer.batches);
      return Promise.resolve(Date.now() - stoppedAt >= OUTAGE_MS ? true : undefined);
    }, { timeoutMs: OUTAGE_MS + 10_000, attempts: 10_000, intervalMs: 500 });
    expect(waitingAtWorst).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 5);
    const metrics = await (await fetch(`${ingester!.url}/metrics`)).text();
    expect(metrics).toMatch(/^sextant_ingester_buffer_batches [1-9]\d*$/m);
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, log, port: postgres!.port });
    restartedAt = Date.now();
  }, OUTAGE_MS + 60_000);

  it('replays every buffered scrape exactly once', async () => {
    await waitFor('the buffer to drain', () => Promise.resolve(ingester!.buffer.batches === 0 ? true : undefined), { timeoutMs: 60_000, attempts: 1000, intervalMs: 250 });
    // Stop the target, then count: every scrape it answered is one sample of each of its series.
    await scraped.stop();
    const answered = scraped.scrapes;
    const load = await waitFor('the failed scrape after the target stopped', async () => {
      const up = await sextantSamples(storage.pool, { instance: scraped.address }, Date.now(), 3600);
      const ups = [...up.entries()].find(([key]) => key.includes('"__name__","up"'))?.[1] ?? [];
      return ups.at(-1)?.[1] === 0 ? up : undefined;
    });
    const byName = (name: string) => [...load.entries()].find(([key]) => key.includes(`"__name__","${name}"`))?.[1] ?? [];
    const loadSamples = byName('node_load1');
    expect(loadSamples.length).toBe(answered);
    expect(new Set(loadSamples.map(([t]) => t)).size).toBe(answered);
    // The scrape timestamps cover the outage: scraping never paused.
    expect(loadSamples.filter(([t]) => t > stoppedAt && t < restartedAt).length).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 5);
    expect(byName('up').filter(([, v]) => v === 1).length).toBe(answered);
    // Snapshot rows were derived for the outage too, one per scrape.
    const { rows } = await storage.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM metrics_snapshots m JOIN servers s ON s.id = m.server_id WHERE s.address = $1`,
      [scraped.address],
    );
    expect(Number(rows[0]!.n)).toBe(answered);
  }, 120_000);

  it("stores Prometheus's retried samples exactly once: the same samples as Prometheus's own storage", async () => {
    // A window that spans the outage and ends after recovery, compared once Prometheus caught up.
    const at = Math.max(restartedAt + 5_000, Date.now());
    const window = Math.ceil((at - startedAt) / 1000) + 5;
    let problems: string[] = [];
    const final = await waitFor('Prometheus to catch up', async () => {
      if (Date.now() < at + 3_000) return undefined;
      const expected = await prometheusSamples(prometheus!.url, '{job="remote"}', at, window);
      const actual = await sextantSamples(storage.pool, { job: 'remote' }, at, window);
      problems = diffSamples(expected, actual);
      return problems.length === 0 ? { expected, actual } : undefined;
    }, { timeoutMs: 90_000, attempts: 1000, intervalMs: 1000 }).catch((err: unknown) => {
      throw new Error(`Sextant and Prometheus disagree:\n${problems.slice(0, 20).join('\n')}`, { cause: err });
    });
    const load = [...final.expected.entries()].find(([key]) => key.includes('"__name__","node_load1"'))![1];
    expect(load.filter(([t]) => t > stoppedAt && t < restartedAt).length).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 5);
    expect(final.actual.size).toBe(final.expected.size);
    // They were retried: the ingester answered 503 and Prometheus counted retries.
    const ours = await (await fetch(`${ingester!.url}/metrics`)).text();
    expect(ours).toMatch(/^sextant_remote_write_requests_total\{[^}]*code="503"[^}]*\} [1-9]/m);
    // Prometheus's own counter, from its /metrics (it does not scrape itself here).
    const theirs = await (await fetch(`${prometheus!.url}/metrics`)).text();
    const retried = [...theirs.matchAll(/^prometheus_remote_storage_samples_retried_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(retried).toBeGreaterThan(0);
  }, 120_000);
});
