import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '@sextant/log';

// An incoming id is kept only when it is short and plain, so it cannot inject into logs or headers.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * `X-Request-Id` in and out: reuses a well-formed incoming id or makes one, puts it on
 * `ctx.state.requestId` and a pino child logger carrying it on `ctx.state.log`, and logs one
 * line per finished request.
 */
export function requestIdMiddleware(log: Logger): Middleware {
  return async function requestId(ctx, next) {
    const incoming = ctx.get('X-Request-Id');
    const id = ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    const child = log.child({ requestId: id });
    ctx.state.log = child;
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      child.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round((performance.now() - started) * 10) / 10 },
        'request',
      );
    }
  };
}
