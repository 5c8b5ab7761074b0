import { SCRAPE_ACCEPT_HEADER } from '@sextant/exposition';
import { ScrapeError } from './scrape-error.ts';

export const SCRAPE_USER_AGENT = 'Sextant/0.1.0';

export interface FetchScrapeOptions {
  timeoutMs: number;
  /** Bytes of (uncompressed) body allowed; 0 = no limit. */
  bodySizeLimit: number;
  bearerToken?: string;
  /** Aborts the scrape early (the loop is stopping). */
  signal?: AbortSignal;
}

export interface ScrapeResponse {
  body: string;
  /** The response `Content-Type`, which picks the parser; undefined when the target sent none. */
  contentType: string | undefined;
  bytes: number;
}

/**
 * GETs a target the way Prometheus does (`scrape/scrape.go` `targetScraper.scrape`): its Accept,
 * gzip, the timeout header; only 200 counts. `fetch` gunzips, so the limit counts uncompressed bytes
 * like Prometheus's `body_size_limit`.
 */
export async function fetchScrape(url: string, options: FetchScrapeOptions): Promise<ScrapeResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const headers: Record<string, string> = {
    Accept: SCRAPE_ACCEPT_HEADER,
    'Accept-Encoding': 'gzip',
    'User-Agent': SCRAPE_USER_AGENT,
    'X-Prometheus-Scrape-Timeout-Seconds': String(options.timeoutMs / 1000),
  };
  if (options.bearerToken !== undefined) headers.Authorization = `Bearer ${options.bearerToken}`;
  try {
    const response = await fetch(url, { headers, signal, redirect: 'follow' });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new ScrapeError('SCRAPE_HTTP_STATUS', `server returned HTTP status ${response.status} ${response.statusText}`);
    }
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    if (response.body !== null) {
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = read.value as Uint8Array;
        bytes += chunk.byteLength;
        if (options.bodySizeLimit > 0 && bytes > options.bodySizeLimit) {
          await reader.cancel();
          throw new ScrapeError('SCRAPE_BODY_TOO_LARGE', `body size limit exceeded (${options.bodySizeLimit} bytes)`);
        }
        chunks.push(chunk);
      }
    }
    return { body: Buffer.concat(chunks).toString('utf8'), contentType: response.headers.get('content-type') ?? undefined, bytes };
  } catch (err) {
    if (err instanceof ScrapeError) throw err;
    if (timeout.aborted) throw new ScrapeError('SCRAPE_TIMEOUT', `scrape timed out after ${options.timeoutMs} ms`, { cause: err });
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ScrapeError('SCRAPE_UNREACHABLE', cause?.message ?? (err as Error).message, { cause: err });
  }
}
