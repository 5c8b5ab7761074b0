import type { Context } from 'koa';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's own metrics: a registry of its own (never prom-client's global one). */
export interface HttpMetrics {
  registry: Registry;
  /** Records one answered request that took `seconds`. */
  observe(ctx: Context, seconds: number): void;
}

/** Request latency (and, as its `_count`, the request count) by method, matched route template (not the raw path) and status. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  return {
    registry,
    observe(ctx, seconds) {
      // Unmatched paths share one label value so a scan cannot blow up the series count.
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : ctx.status === 404 ? 'unmatched' : 'static';
      duration.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
    },
  };
}
