import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '@sextant/log';
import type { Capabilities, Storage } from '@sextant/storage';
import { authRoutes } from './auth/auth-routes.ts';
import type { AuthRuntime } from './auth/auth-runtime.ts';
import { createAuthenticate } from './auth/authenticate.ts';
import type { JwtKeys } from './auth/jwt-keys.ts';
import { createLoginThrottle } from './auth/login-throttle.ts';
import type { LoginThrottleOptions } from './auth/login-throttle.ts';
import { createRefreshTokens } from './auth/refresh-tokens.ts';
import type { ApiConfig } from './config.ts';
import { edgeMiddleware } from './http/edge-middleware.ts';
import { createHttpMetrics } from './http/http-metrics.ts';
import { mountRoutes } from './http/mount-routes.ts';
import { buildOpenApi } from './openapi/build-openapi.ts';
import type { OpenApiDocument } from './openapi/build-openapi.ts';
import type { RouteDeps, RouteModule, RouteSpec } from './route.ts';
import { ROUTE_MODULES } from './routes.ts';
import { systemRoutes } from './system/system-routes.ts';
import { tokenRoutes } from './tokens/token-routes.ts';
import { userRoutes } from './users/user-routes.ts';

export const API_VERSION = '0.1.0';

export interface CreateAppOptions {
  config: ApiConfig;
  storage: Storage;
  caps: Capabilities;
  log: Logger;
  /** From `loadJwtKeys(config)`. */
  keys: JwtKeys;
  /** Login throttle limits; defaults in `createLoginThrottle`. */
  throttle?: LoginThrottleOptions;
  /** Route modules to mount after the API's own; default `ROUTE_MODULES`. */
  modules?: readonly RouteModule[];
}

/** The Koa app, with every mounted route and the OpenAPI document built from them. */
export interface ApiApp extends Koa {
  readonly routes: readonly RouteSpec[];
  readonly openApi: OpenApiDocument;
}

/**
 * Builds the API: the edge middleware (request ids and logging, metrics, security headers,
 * problem+json errors, CORS, the UI), then every route (the API's own, then each of
 * `ROUTE_MODULES`) with auth and validation. Nothing listens yet; see `startApi`.
 */
export function createApp(options: CreateAppOptions): ApiApp {
  const { config, storage, caps } = options;
  const log = options.log.child({ module: 'api' });
  const deps: RouteDeps = { storage, caps, log };
  const metrics = createHttpMetrics();
  const auth: AuthRuntime = {
    keys: options.keys,
    authenticate: createAuthenticate({ keys: options.keys, pool: storage.pool }),
    refreshTokens: createRefreshTokens({ pool: storage.pool, ttlMs: config.API_REFRESH_TTL }),
    throttle: createLoginThrottle(storage.pool, options.throttle),
    refreshTtlMs: config.API_REFRESH_TTL,
  };

  // The document lists the system routes too, so they read it once it exists.
  const document: { current?: OpenApiDocument } = {};
  const routes: RouteSpec[] = [
    ...systemRoutes({ ...deps, registry: metrics.registry, openApi: () => document.current! }),
    ...authRoutes({ ...deps, auth }),
    ...userRoutes({ ...deps, auth }),
    ...tokenRoutes({ ...deps, auth }),
  ];
  for (const module of options.modules ?? ROUTE_MODULES) routes.push(...module(deps));
  const openApi = buildOpenApi(routes, { title: 'Sextant API', version: API_VERSION, description: 'Server monitoring for a Prometheus world.' });

  document.current = openApi;

  const router = new Router();
  const exactRoutes = mountRoutes(router, routes, { authenticate: auth.authenticate, bodyLimit: config.API_BODY_LIMIT });

  const app = new Koa({ proxy: config.API_TRUST_PROXY });
  app.context.log = log;
  app.use(edgeMiddleware({ log, metrics, corsOrigins: config.API_CORS_ORIGINS, uiDir: config.API_UI_DIR }));
  app.use(exactRoutes);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  // Koa logs errors itself unless told they are handled; the edge middleware has logged them.
  app.silent = true;
  return Object.assign(app, { routes, openApi });
}
