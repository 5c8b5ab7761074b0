import type { Context } from 'koa';

const ALLOW_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const EXPOSE_HEADERS = 'X-Request-Id, Retry-After';
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';

/**
 * CORS for the origins in `allowed` (exact `scheme://host[:port]` matches; empty = same-origin
 * only); allowed origins may send credentials. Answers a function that adds the headers to `ctx`
 * and returns true when the request was a preflight, now answered with 204.
 */
export function createCors(allowed: readonly string[]): (ctx: Context) => boolean {
  const origins = new Set(allowed);
  return (ctx) => {
    const origin = ctx.req.headers.origin;
    if (origin === undefined || origin === '') return false;
    ctx.vary('Origin');
    const ok = origins.has(origin);
    if (ok) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
    if (ctx.method !== 'OPTIONS' || ctx.get('Access-Control-Request-Method') === '') return false;
    if (ok) {
      ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
    }
    ctx.status = 204;
    return true;
  };
}
