import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { Logger } from '@sextant/log';
import type { Authenticate } from '../auth/authenticate.ts';
import { authorize } from '../auth/authenticate.ts';
import type { Principal, RouteSpec } from '../route.ts';
import { ApiError } from './api-error.ts';
import { readBody } from './read-body.ts';

export interface MountOptions {
  authenticate: Authenticate;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** Logger for handlers when the request-id middleware did not run. */
  log: Logger;
}

/**
 * Mounts each route on `router`: authentication and role/scope checks first (so an anonymous
 * caller learns nothing from validation), then params, query and body through the route's zod
 * schemas (400 `VALIDATION_FAILED` listing every issue), then the handler.
 */
export function mountRoutes(router: Router, routes: readonly RouteSpec[], options: MountOptions): void {
  for (const route of routes) {
    router[route.method](route.operationId, route.path, async (ctx: Context) => {
      let principal: Principal | undefined;
      if (!('public' in route.auth)) {
        principal = await options.authenticate(ctx);
        authorize(route, principal);
      }
      const params = parse(route.params, ctx.params, 'path');
      const query = parse(route.query, ctx.query, 'query');
      const rawBody = route.body === undefined ? undefined : await readBody(ctx, options.bodyLimit);
      const body = parse(route.body, rawBody, 'body');
      const log = ctx.state.log ?? options.log;
      const result = await route.handler({ ctx, params, query, body, principal, log });
      if (result !== undefined) {
        ctx.status = route.status ?? 200;
        ctx.body = result;
      } else if (ctx.body == null) {
        ctx.status = route.status ?? 204;
      }
    });
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
