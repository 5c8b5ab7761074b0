import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
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
 * `X-Request-Id` in and out: keeps a well-formed incoming id or makes one; on `ctx.state.requestId`.
 * Reads and writes node's headers directly, as on every request Koa's delegating getters and
 * setters cost more than the work.
 */
export function assignRequestId(ctx: Context): string {
  const incoming = ctx.req.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  ctx.res.setHeader('X-Request-Id', id);
  return id;
}
