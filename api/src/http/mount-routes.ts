import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import type { Logger } from '@sextant/log';
import type { Authenticate } from '../auth/authenticate.ts';
import { authorize } from '../auth/authenticate.ts';
import type { Principal, RouteInput, RouteSpec } from '../route.ts';
import { ApiError } from './api-error.ts';
import { readBody } from './read-body.ts';
import { requestLog } from './request-id.ts';

export interface MountOptions {
  authenticate: Authenticate;
  /** Largest request body in bytes. */
  bodyLimit: number;
}

/**
 * Mounts each route on `router`: authentication and role/scope checks first (so an anonymous
 * caller learns nothing from validation), then params, query and body through the route's zod
 * schemas (400 `VALIDATION_FAILED` listing every issue), then the handler.
 *
 * Answers a middleware to put before `router.routes()`: routes without path parameters are found
 * there by one Map lookup of the exact method and path, skipping @koa/router's scan of every route
 * (most of the per-request cost of a small answer). Anything else, including non-exact spellings
 * such as a trailing slash, falls through to @koa/router.
 */
export function mountRoutes(router: Router, routes: readonly RouteSpec[], options: MountOptions): Middleware {
  const exact = new Map<string, { path: string; handle: (ctx: Context) => Promise<void> }>();
  for (const route of routes) {
    const handle = async (ctx: Context): Promise<void> => {
      let principal: Principal | undefined;
      if (!('public' in route.auth)) {
        principal = await options.authenticate(ctx);
        authorize(route, principal);
      }
      const params = parse(route.params, ctx.params, 'path');
      // Without a schema the query is not parsed at all (Koa builds it through URLSearchParams).
      const query = route.query === undefined ? EMPTY : parse(route.query, ctx.query, 'query');
      const rawBody = route.body === undefined ? undefined : await readBody(ctx, options.bodyLimit);
      const body = parse(route.body, rawBody, 'body');
      const result = await route.handler(new Input(ctx, params, query, body, principal));
      if (result !== undefined) {
        ctx.status = route.status ?? 200;
        setBody(ctx, result);
      } else if (ctx.body == null) {
        ctx.status = route.status ?? 204;
      }
    };
    router[route.method](route.operationId, route.path, handle);
    if (!route.path.includes(':')) {
      const method = route.method.toUpperCase();
      exact.set(`${method} ${route.path}`, { path: route.path, handle });
      if (method === 'GET') exact.set(`HEAD ${route.path}`, { path: route.path, handle });
    }
  }
  // Not `async`: it hands on the promise it gets, without wrapping it in one more.
  return function exactRoutes(ctx, next) {
    const found = exact.get(`${ctx.method} ${ctx.path}`);
    if (found === undefined) return next();
    ctx._matchedRoute = found.path;
    ctx.params = {};
    return found.handle(ctx);
  };
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A handler's answer as the body. Plain objects and arrays are serialized here with their type set
 * directly: what Koa would do, without its MIME lookup and second pass over the body in `respond`.
 * Anything else (text, buffers, streams, or an answer whose handler chose a type) goes to Koa as is.
 */
function setBody(ctx: Context, result: unknown): void {
  if (typeof result === 'object' && result !== null && !ctx.res.hasHeader('Content-Type')) {
    const proto: unknown = Object.getPrototypeOf(result);
    if (proto === Object.prototype || proto === Array.prototype || proto === null) {
      ctx.res.setHeader('Content-Type', JSON_TYPE);
      ctx.body = JSON.stringify(result);
      return;
    }
  }
  ctx.body = result;
}

/**
 * What a handler receives. A class, so `log` is a getter on the prototype: the request's child
 * logger is only made when a handler logs (an object literal with its own getter per request
 * measurably slowed every answer).
 */
class Input implements RouteInput<unknown, unknown, unknown> {
  readonly ctx: Context;
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly principal: Principal | undefined;

  constructor(ctx: Context, params: unknown, query: unknown, body: unknown, principal: Principal | undefined) {
    this.ctx = ctx;
    this.params = params;
    this.query = query;
    this.body = body;
    this.principal = principal;
  }

  get log(): Logger {
    return requestLog(this.ctx);
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (schema === undefined) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ in: where, path: issue.path.map(String).join('.'), message: issue.message }));
  const first = errors[0];
  const summary = first === undefined ? `invalid ${where}` : `invalid ${where}${first.path === '' ? '' : ` ${first.path}`}: ${first.message}`;
  throw new ApiError(400, 'VALIDATION_FAILED', summary, { errors });
}
