import type { Context } from 'koa';
import koaJwt from 'koa-jwt';
import type pg from 'pg';
import { isApiToken, roleAtLeast, verifyApiToken } from '@sextant/auth';
import type { Role, TokenScope } from '@sextant/auth';
import { isRetryable } from '@sextant/storage';
import { ApiError } from '../http/api-error.ts';
import type { Principal, RouteSpec } from '../route.ts';
import { verifyOptions } from './access-token.ts';
import type { JwtKeys } from './jwt-keys.ts';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="sextant"' };

/** Finds who is calling, from `Authorization: Bearer <access JWT | sxt_ API token>` (or basic auth with an API token); 401 when nobody valid. */
export type Authenticate = (ctx: Context) => Promise<Principal>;

/**
 * Access JWTs are checked by koa-jwt with the algorithm, issuer and audience pinned (so `alg: none`
 * and tokens signed for another algorithm fail), then the user is read by primary key on every
 * request: a disabled or deleted user is refused at once, and a role change applies at once.
 */
export function createAuthenticate({ keys, pool }: { keys: JwtKeys; pool: pg.Pool }): Authenticate {
  const jwtMiddleware = koaJwt({
    secret: keys.verifyingKey,
    ...verifyOptions(keys),
    key: 'jwt',
    isRevoked: async (ctx, decoded) => {
      const sub = (decoded as { sub?: unknown }).sub;
      if (typeof sub !== 'string') return true;
      const user = await pool.query<{ id: string; username: string; role: Role }>(
        'SELECT id, username, role FROM users WHERE id = $1 AND NOT disabled',
        [sub],
      );
      const row = user.rows[0];
      if (row === undefined) return true;
      ctx.state.principal = { userId: row.id, username: row.username, role: row.role } satisfies Principal;
      return false;
    },
  });

  return async (ctx) => {
    const header = ctx.get('Authorization');
    const credential = bearerCredential(header);
    if (credential === undefined) {
      throw new ApiError(401, 'UNAUTHENTICATED', header === '' ? 'authentication required' : 'use Authorization: Bearer <token>, or basic auth with an API token as the password', {
        headers: CHALLENGE,
      });
    }
    if (isApiToken(credential)) {
      const token = await verifyApiToken(pool, credential);
      if (token === null) throw new ApiError(401, 'UNAUTHENTICATED', 'the API token is unknown, revoked or expired', { headers: CHALLENGE });
      const principal: Principal = { userId: token.userId, username: token.username, role: token.role, tokenId: token.tokenId, scopes: token.scopes };
      ctx.state.principal = principal;
      return principal;
    }
    try {
      await jwtMiddleware(ctx, () => Promise.resolve());
    } catch (err) {
      const cause = (err as { originalError?: unknown }).originalError;
      // Storage trouble while looking the user up is not the caller's fault: let it become a 503.
      if (isRetryable(cause)) throw cause;
      throw new ApiError(401, 'UNAUTHENTICATED', 'the access token is invalid or expired', { headers: CHALLENGE, cause: err });
    }
    const principal = ctx.state.principal;
    if (principal === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'the access token is invalid or expired', { headers: CHALLENGE });
    return principal;
  };
}

/**
 * The credential of `Authorization: Bearer <credential>`, or the password of `Basic` when it is an API
 * token (what Grafana's Prometheus data source and Prometheus's `basic_auth` send; any user name).
 */
function bearerCredential(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer !== null) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic === null) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return decoded.includes(':') && isApiToken(password) ? password : undefined;
}

/** The scope an API token needs for `route`: the route's own, else `read` for GET/HEAD and `write` otherwise. */
export function requiredScope(route: RouteSpec): TokenScope {
  if ('scope' in route.auth && route.auth.scope !== undefined) return route.auth.scope;
  return route.method === 'get' ? 'read' : 'write';
}

/** 403 unless `principal` has the route's role and, for an API token, its scope. */
export function authorize(route: RouteSpec, principal: Principal): void {
  if ('public' in route.auth) return;
  if (!roleAtLeast(principal.role, route.auth.role)) {
    throw new ApiError(403, 'FORBIDDEN', `this needs the ${route.auth.role} role`);
  }
  if (route.auth.loginOnly === true && principal.tokenId !== undefined) {
    throw new ApiError(403, 'LOGIN_REQUIRED', 'API tokens cannot do this; log in');
  }
  const scope = requiredScope(route);
  if (principal.scopes !== undefined && !principal.scopes.includes(scope)) {
    throw new ApiError(403, 'INSUFFICIENT_SCOPE', `this API token lacks the ${scope} scope`);
  }
}
