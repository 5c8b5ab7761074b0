import type { Context } from 'koa';
import { z } from 'zod';
import { verifyPassword } from '@sextant/auth';
import type { Role } from '@sextant/auth';
import { ApiError } from '../http/api-error.ts';
import { defineRoute } from '../route.ts';
import type { RouteDeps, RouteSpec } from '../route.ts';
import { USER_COLUMNS, userSchema } from '../users/user-schema.ts';
import type { UserRow } from '../users/user-schema.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from './access-token.ts';
import type { AuthRuntime } from './auth-runtime.ts';

/** The refresh-token cookie: httpOnly so scripts never see it, only sent to /api/auth. */
export const REFRESH_COOKIE = 'sextant_refresh';
const COOKIE_PATH = '/api/auth';

const loginBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) });
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200).optional() }).optional();

export const tokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('seconds until the access token expires'),
  })
  .meta({ id: 'TokenPair' });

const meSchema = userSchema
  .pick({ id: true, username: true, role: true })
  .extend({ via: z.enum(['jwt', 'api_token']), scopes: z.array(z.string()).optional() })
  .meta({ id: 'Me' });

/** `/api/auth/login`, `/api/auth/refresh`, `/api/auth/logout` and `/api/me`. */
export function authRoutes(deps: RouteDeps & { auth: AuthRuntime }): RouteSpec[] {
  const { auth } = deps;
  const pool = deps.storage.pool;

  const answer = (ctx: Context, user: { id: string; username: string; role: Role }, refreshToken: string) => {
    ctx.cookies.set(REFRESH_COOKIE, refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.secure,
      path: COOKIE_PATH,
      maxAge: auth.refreshTtlMs,
      overwrite: true,
    });
    ctx.set('Cache-Control', 'no-store');
    return { accessToken: signAccessToken(auth.keys, user), refreshToken, tokenType: 'Bearer' as const, expiresIn: ACCESS_TOKEN_TTL_S };
  };
  const presented = (ctx: Context, body: { refreshToken?: string | undefined } | undefined) => body?.refreshToken ?? ctx.cookies.get(REFRESH_COOKIE);

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      operationId: 'login',
      summary: 'Log in with a username and password; answers an access token and a refresh token (also set as an httpOnly cookie)',
      tags: ['auth'],
      auth: { public: true },
      body: loginBody,
      responses: { 200: { description: 'logged in', schema: tokenPairSchema }, 401: { description: 'wrong username or password' }, 429: { description: 'too many failed attempts' } },
      handler: async ({ ctx, body, log }) => {
        const login = await auth.throttle.guard(body.username, ctx.ip, async () => {
          const row = (await pool.query<UserRow & { password_hash: string }>(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`, [body.username])).rows[0];
          // verifyPassword runs a full argon2 verification even without a user, so both failures take as long.
          const ok = await verifyPassword(row?.password_hash, body.password);
          return ok && row !== undefined && !row.disabled ? row : null;
        });
        if ('retryAfter' in login) throw new ApiError(429, 'TOO_MANY_REQUESTS', 'too many failed logins, try again later', { headers: { 'Retry-After': String(login.retryAfter) } });
        const row = login.found;
        if (row === null) throw new ApiError(401, 'INVALID_CREDENTIALS', 'wrong username or password');
        log.info({ userId: row.id }, 'login');
        return answer(ctx, row, await auth.refreshTokens.issue(row.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/refresh',
      operationId: 'refresh',
      summary: 'Exchange a refresh token (body or cookie) for a new pair; the old one stops working, and reusing it revokes the whole login',
      tags: ['auth'],
      auth: { public: true },
      body: refreshBody,
      responses: { 200: { description: 'a new token pair', schema: tokenPairSchema }, 401: { description: 'invalid, expired or reused refresh token' } },
      handler: async ({ ctx, body, log }) => {
        const token = presented(ctx, body);
        if (token === undefined) throw new ApiError(401, 'REFRESH_TOKEN_INVALID', 'no refresh token in the body or cookie');
        try {
          const next = await auth.refreshTokens.rotate(token);
          return answer(ctx, next.user, next.token);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'REFRESH_TOKEN_REUSED') log.warn('refresh token reused; its login is revoked');
          if (err instanceof ApiError) ctx.cookies.set(REFRESH_COOKIE, null, { path: COOKIE_PATH });
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      operationId: 'logout',
      summary: 'Revoke the login of a refresh token (body or cookie) and clear the cookie',
      tags: ['auth'],
      auth: { public: true },
      body: refreshBody,
      status: 204,
      responses: { 204: { description: 'logged out' } },
      handler: async ({ ctx, body }) => {
        const token = presented(ctx, body);
        if (token !== undefined) await auth.refreshTokens.revokeFamily(token);
        ctx.cookies.set(REFRESH_COOKIE, null, { path: COOKIE_PATH });
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/me',
      operationId: 'me',
      summary: 'Who the caller is',
      tags: ['auth'],
      auth: { role: 'viewer' },
      responses: { 200: { description: 'the caller', schema: meSchema } },
      handler: ({ principal }) => {
        const p = principal!;
        return Promise.resolve({
          id: p.userId,
          username: p.username,
          role: p.role,
          via: p.tokenId === undefined ? ('jwt' as const) : ('api_token' as const),
          ...(p.scopes === undefined ? {} : { scopes: p.scopes }),
        });
      },
    }),
  ];
}
