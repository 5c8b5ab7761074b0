import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@sextant/log';
import { isRetryable, StorageError } from '@sextant/storage';
import type { IngesterMetrics } from '../http/ingester-metrics.ts';
import type { AuthRefusal } from '../http/remote-write-auth.ts';
import type { WriteBatch, WriteResult } from '../write-batch.ts';
import { SampleOutOfBoundsError } from '../writer/sample-out-of-bounds-error.ts';
import { WriteRejectedError } from '../writer/write-rejected-error.ts';
import { decodeWriteRequest } from './decode-write-request.ts';
import type { RemoteWriteVersion } from './decode-write-request.ts';
import { readBody } from './read-body.ts';
import { RemoteWriteError } from './remote-write-error.ts';
import { requestVersion } from './request-version.ts';
import { uncompressBlock } from './snappy-block.ts';

/** Where decoded requests go: the writer, composed with whatever else ingest does. Resolves after COMMIT. */
export type WriteSink = (batch: WriteBatch) => Promise<WriteResult>;

export interface RemoteWriteHandlerOptions {
  sink: WriteSink;
  log: Logger;
  metrics: IngesterMetrics;
  authorize: (authorization: string | undefined) => Promise<AuthRefusal | null>;
  /** Largest compressed body accepted (bytes); default 32 MiB. */
  maxBodyBytes?: number;
  /** Largest decompressed body accepted (bytes); default 8 × `maxBodyBytes`. */
  maxDecodedBytes?: number;
}

interface Answer {
  status: number;
  message?: string;
  written: number;
  close?: boolean;
  headers?: Record<string, string>;
}

// The version for metric labels; `unknown` when the request named none we speak.
function versionLabel(req: IncomingMessage): RemoteWriteVersion | 'unknown' {
  try {
    return requestVersion(req.headers['content-type'], req.headers['content-encoding']);
  } catch {
    return 'unknown';
  }
}

/**
 * `POST /api/v1/write`: remote-write 1.0 and 2.0 (compat §2). 204 once the batch is committed;
 * 400 for data that can never be stored (nothing retried); 415 for an unknown type or encoding;
 * 413 for too large a body; 401/403 for credentials; 503 when storage is unavailable (retried).
 * The `X-Prometheus-Remote-Write-*-Written` headers are set on every answer (compat §2.7).
 */
export function createRemoteWriteHandler(options: RemoteWriteHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const log = options.log.child({ module: 'remote-write' });
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxDecoded = options.maxDecodedBytes ?? 8 * maxBody;
  const { metrics } = options;

  async function handle(req: IncomingMessage): Promise<Answer> {
    if (req.method !== 'POST') return { status: 405, message: 'remote write takes POST', written: 0, headers: { allow: 'POST' } };
    const refusal = await options.authorize(req.headers.authorization);
    if (refusal !== null) {
      const headers: Record<string, string> = refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="sextant", Basic realm="sextant"' } : {};
      return { status: refusal.status, message: refusal.message, written: 0, headers };
    }
    const version = requestVersion(req.headers['content-type'], req.headers['content-encoding']);
    const body = uncompressBlock(await readBody(req, maxBody), maxDecoded);
    const decoded = decodeWriteRequest(body, version);
    metrics.samplesReceived.inc({ version }, decoded.samples);
    let written = 0;
    if (decoded.batch.series.length > 0 || (decoded.batch.metadata?.length ?? 0) > 0) {
      const result = await options.sink(decoded.batch);
      written = result.samples + result.duplicates;
      metrics.samplesStored.inc(result.samples);
      metrics.samplesDuplicate.inc(result.duplicates);
      metrics.seriesCreated.inc(result.newSeries);
    }
    if (decoded.refused > 0) {
      metrics.refused.inc({ version }, decoded.refused);
      const more = decoded.refused > decoded.problems.length ? `\n… and ${decoded.refused - decoded.problems.length} more` : '';
      return { status: 400, message: `${decoded.refused} series or item(s) refused, ${written} sample(s) written:\n${decoded.problems.join('\n')}${more}`, written };
    }
    return { status: 204, written };
  }

  function failure(err: unknown): Answer {
    if (err instanceof RemoteWriteError) return { status: err.status, message: err.message, written: 0, close: err.status === 413 };
    // Data the database refuses (out of bounds, refused values, refused snapshot rows: any typed error
    // of the sink that says `retryable: false`, other than storage trouble) can never be stored: a 400,
    // so the sender drops it instead of retrying it forever (compat §2.5).
    const retryable = (err as { retryable?: unknown } | null)?.retryable;
    if (err instanceof SampleOutOfBoundsError || err instanceof WriteRejectedError || (retryable === false && !(err instanceof StorageError))) {
      return { status: 400, message: (err as Error).message, written: 0 };
    }
    if (retryable === true || isRetryable(err)) {
      log.warn({ err }, 'storage unavailable: remote write answered 503');
      return { status: 503, message: 'storage is unavailable, retry later', written: 0, headers: { 'retry-after': '1' } };
    }
    log.error({ err }, 'remote write failed');
    return { status: 500, message: 'internal error', written: 0 };
  }

  return async (req, res) => {
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await handle(req);
    } catch (err) {
      answer = failure(err);
    }
    const label = versionLabel(req);
    res.statusCode = answer.status;
    res.setHeader('x-prometheus-remote-write-samples-written', String(answer.written));
    res.setHeader('x-prometheus-remote-write-histograms-written', '0');
    res.setHeader('x-prometheus-remote-write-exemplars-written', '0');
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    if (answer.close === true) res.setHeader('connection', 'close');
    if (answer.message === undefined) res.end();
    else {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`${answer.message}\n`);
    }
    if (answer.status >= 400 && answer.status < 500) log.debug({ status: answer.status, reason: answer.message }, 'remote write refused');
    metrics.requests.inc({ version: label, code: String(answer.status) });
    metrics.duration.observe({ version: label }, (performance.now() - started) / 1000);
  };
}
