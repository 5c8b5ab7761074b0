import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRAPE_ACCEPT_HEADER } from '@sextant/exposition';
import { freePort, waitFor } from '@sextant/testkit/process';
import { fetchScrape } from '../src/scrape/fetch-scrape.ts';
import type { ScrapeError } from '../src/scrape/scrape-error.ts';
import { startScrapeLoop } from '../src/scrape/scrape-loop.ts';
import type { WriteBatch } from '../src/write-batch.ts';
import { log } from './scrape-fixture.ts';

const BODY = '# TYPE m gauge\nm{a="1"} 1\nm{a="2"} 2\nm{a="3"} 3\n';
const OPENMETRICS = '# TYPE c counter\nc_total 5\n# EOF\n';

describe('scraping over HTTP', () => {
  let server: Server;
  let base = '';
  let seen: IncomingHttpHeaders = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      switch (req.url) {
        case '/gzip':
          res.setHeader('content-type', 'text/plain; version=0.0.4');
          res.setHeader('content-encoding', 'gzip');
          res.end(gzipSync(BODY));
          return;
        case '/openmetrics':
          res.setHeader('content-type', 'application/openmetrics-text; version=1.0.0; charset=utf-8');
          res.end(OPENMETRICS);
          return;
        case '/slow':
          setTimeout(() => res.end(BODY), 2_000).unref();
          return;
        case '/missing':
          res.statusCode = 404;
          res.end('no');
          return;
        default:
          res.setHeader('content-type', 'text/plain; version=0.0.4');
          res.end(BODY);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const failure = async (url: string, options: Partial<Parameters<typeof fetchScrape>[1]> = {}) => {
    try {
      await fetchScrape(url, { timeoutMs: 1_000, bodySizeLimit: 0, ...options });
    } catch (err) {
      return err as ScrapeError;
    }
    throw new Error('the scrape succeeded');
  };

  it("sends Prometheus's headers and unpacks gzip", async () => {
    const response = await fetchScrape(`${base}/gzip`, { timeoutMs: 1_500, bodySizeLimit: 0, bearerToken: 'secret' });
    expect(response.body).toBe(BODY);
    expect(seen.accept).toBe(SCRAPE_ACCEPT_HEADER);
    expect(seen['accept-encoding']).toBe('gzip');
    expect(seen['x-prometheus-scrape-timeout-seconds']).toBe('1.5');
    expect(seen['user-agent']).toMatch(/^Sextant\//);
    expect(seen.authorization).toBe('Bearer secret');
  });

  it('fails with a code for each way a scrape goes wrong', async () => {
    expect((await failure(`${base}/missing`)).code).toBe('SCRAPE_HTTP_STATUS');
    expect((await failure(`${base}/slow`, { timeoutMs: 200 })).code).toBe('SCRAPE_TIMEOUT');
    expect((await failure(`${base}/metrics`, { bodySizeLimit: 10 })).code).toBe('SCRAPE_BODY_TOO_LARGE');
    expect((await failure(`${base}/gzip`, { bodySizeLimit: BODY.length - 1 })).code).toBe('SCRAPE_BODY_TOO_LARGE');
    expect((await failure(`http://127.0.0.1:${await freePort()}/metrics`)).code).toBe('SCRAPE_UNREACHABLE');
  });

  it('parses OpenMetrics when the target answers with it, and counts a scrape over the sample limit as failed', async () => {
    const batches: WriteBatch[] = [];
    const address = new URL(base).host;
    const run = (metricsPath: string, sampleLimit: number) =>
      startScrapeLoop({
        target: { address, job: 'j', labels: {}, metricsPath },
        intervalMs: 60_000,
        timeoutMs: 1_000,
        bodySizeLimit: 0,
        sampleLimit,
        offsetMs: 0,
        immediate: true,
        sink: (batch) => {
          batches.push(batch);
          return Promise.resolve();
        },
        log,
      });
    const up = (batch: WriteBatch) => batch.series.find((s) => s.labels.__name__ === 'up')!.samples[0]!.value;

    const om = run('/openmetrics', 0);
    await waitFor('an OpenMetrics scrape', () => Promise.resolve(batches[0]));
    await om.stop({ staleness: false });
    expect(up(batches[0]!)).toBe(1);
    expect(batches[0]!.series.find((s) => s.labels.__name__ === 'c_total')?.samples[0]?.value).toBe(5);
    expect(batches[0]!.metadata).toEqual([{ family: 'c', type: 'counter', help: '', unit: '' }]);

    const limited = run('/metrics', 2);
    await waitFor('a scrape over the limit', () => Promise.resolve(batches[1]));
    await limited.stop({ staleness: false });
    expect(up(batches[1]!)).toBe(0);
    expect(limited.last?.error).toMatch(/sample limit/);
    expect(batches[1]!.series.some((s) => s.labels.__name__ === 'm')).toBe(false);
  });
});
