import type { Context } from 'koa';
import { ApiError } from './api-error.ts';

/**
 * Reads and parses the request body: JSON, or `application/x-www-form-urlencoded` (repeated keys
 * become arrays, as Prometheus' form POSTs send them). Empty body → undefined. Larger than
 * `limitBytes` → 413 (checked against Content-Length first, then while streaming).
 */
export async function readBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (ctx.is('application/json', 'application/*+json') !== false) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ApiError(400, 'BAD_REQUEST', `the body is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  if (ctx.is('application/x-www-form-urlencoded') !== false) {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      const seen = form[key];
      form[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    return form;
  }
  throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json (or application/x-www-form-urlencoded where documented)');
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${limitBytes} bytes`);
}
