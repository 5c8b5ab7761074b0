import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Logger } from '@sextant/log';

// An incoming id is kept only when it is short and plain, so it cannot inject into logs or headers.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's logger: a pino child of the app's logger (`app.context.log`) carrying the request
 * id, made on first use (most requests of a quiet process never log) and kept on `ctx.state.log`.
 */
export function requestLog(ctx: Context): Logger {
  return (ctx.state.log ??= ctx.app.context.log!.child({ requestId: ctx.state.requestId }));
}

/**
 * `X-Request-Id` in and out: reuses a well-formed incoming id or makes one and puts it on
 * `ctx.state.requestId` (see `requestLog`), and logs one line per finished request at `info`.
 */
export function requestIdMiddleware(log: Logger): Middleware {
  const logsRequests = log.isLevelEnabled('info');
  return async function requestId(ctx, next) {
    const incoming = ctx.get('X-Request-Id');
    const id = ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    if (!logsRequests) {
      await next();
      return;
    }
    const started = performance.now();
    try {
      await next();
    } finally {
      requestLog(ctx).info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
    }
  };
}
