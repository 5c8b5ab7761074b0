import type { Middleware } from 'koa';
import type { Logger } from '@sextant/log';
import { ApiError } from './api-error.ts';
import { createCors } from './cors.ts';
import type { HttpMetrics } from './http-metrics.ts';
import { assignRequestId, requestLog } from './request-id.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { createUiServer } from './serve-ui.ts';
import { writeProblem } from './write-problem.ts';

export interface EdgeOptions {
  log: Logger;
  metrics: HttpMetrics;
  /** Browser origins allowed by CORS. */
  corsOrigins: readonly string[];
  /** The built UI. */
  uiDir: string;
}

/**
 * Everything every request goes through, in one middleware (one frame instead of six on the
 * hot path): request id, CORS, the routes (`next`), the UI for what no route answered, a 404
 * problem for what nothing answered, problem+json for anything thrown, security headers, the
 * latency histogram, and one `info` line per request.
 */
export function edgeMiddleware(options: EdgeOptions): Middleware {
  const cors = createCors(options.corsOrigins);
  const serveUi = createUiServer(options.uiDir);
  const logsRequests = options.log.isLevelEnabled('info');
  return async function edge(ctx, next) {
    const started = performance.now();
    assignRequestId(ctx);
    try {
      if (!cors(ctx)) {
        await next();
        if (ctx.status === 404 && ctx.body == null) {
          await serveUi(ctx);
          if (ctx.status === 404 && ctx.body == null) throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
        }
      }
    } catch (err) {
      writeProblem(ctx, err);
    }
    setSecurityHeaders(ctx);
    const seconds = (performance.now() - started) / 1000;
    options.metrics.observe(ctx, seconds);
    if (logsRequests) requestLog(ctx).info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 10_000) / 10 }, 'request');
  };
}
