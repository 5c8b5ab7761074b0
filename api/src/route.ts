import type { Context } from 'koa';
import type { z } from 'zod';
import type { Role, TokenScope } from '@sextant/auth';
import type { Logger } from '@sextant/log';
import type { Capabilities, Storage } from '@sextant/storage';

/** Who may call a route. `public`: anyone. Otherwise a logged-in user (or API token) of at least `role`;
 *  an API token must also carry `scope` (default: `read` for GET, `write` otherwise). `loginOnly`
 *  refuses API tokens altogether (403 `LOGIN_REQUIRED`), e.g. for minting tokens. */
export type RouteAuth = { public: true } | { role: Role; scope?: TokenScope; loginOnly?: boolean };

/** The authenticated caller, set on `ctx.state.principal` by the auth middleware. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** Set when the caller used an API token rather than an access JWT. */
  tokenId?: string;
  scopes?: TokenScope[];
}

/** One documented response of a route. */
export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

/** What a handler receives: inputs already validated by the route's schemas. */
export interface RouteInput<P, Q, B> {
  ctx: Context;
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  /** The request's logger: a child carrying its `requestId`. */
  log: Logger;
}

/**
 * A route described once: the router mounts it, validates its inputs, checks `auth`, generates its
 * OpenAPI operation and its row of the authorization matrix from this one object.
 * `handler` returns the body (status `status`, default 200) or sets `ctx` itself and returns undefined.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** @koa/router path, e.g. `/api/servers/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  auth: RouteAuth;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Success status; default 200. */
  status?: number;
  responses: Record<number, RouteResponse>;
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>;
}

/** Keeps a route's generic parameters inferred from its schemas while storing it as a plain `RouteSpec`. */
export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** What a route module's factory receives; grows as the app does (config, alert engine, MQTT…). */
export interface RouteDeps {
  storage: Storage;
  caps: Capabilities;
  log: Logger;
}

/** A route module: `(deps) => RouteSpec[]`, listed in `routes.ts`. */
export type RouteModule = (deps: RouteDeps) => RouteSpec[];
