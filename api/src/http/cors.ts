import type { Middleware } from 'koa';

const ALLOW_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const EXPOSE_HEADERS = 'X-Request-Id, Retry-After';
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';

/**
 * CORS for the origins in `allowed` (exact `scheme://host[:port]` matches; empty = same-origin only).
 * Allowed origins may send credentials; a preflight is answered here with 204.
 */
export function corsMiddleware(allowed: readonly string[]): Middleware {
  const origins = new Set(allowed);
  return async function cors(ctx, next) {
    const origin = ctx.get('Origin');
    if (origin === '') {
      await next();
      return;
    }
    ctx.vary('Origin');
    const ok = origins.has(origin);
    if (ok) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '') {
      if (ok) {
        ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
        ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
        ctx.set('Access-Control-Max-Age', '600');
      }
      ctx.status = 204;
      return;
    }
    await next();
  };
}
