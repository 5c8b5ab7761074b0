import { z } from 'zod';
import { TOKEN_SCOPES, generateApiToken, roleAtLeast } from '@sextant/auth';
import type { TokenScope } from '@sextant/auth';
import { positiveDuration } from '@sextant/config';
import type { AuthRuntime } from '../auth/auth-runtime.ts';
import { notFound } from '../http/api-error.ts';
import { defineRoute } from '../route.ts';
import type { RouteDeps, RouteSpec } from '../route.ts';

const scopeSchema = z.enum(TOKEN_SCOPES as [TokenScope, ...TokenScope[]]);
const timestamp = z.iso.datetime({ offset: true });

export const apiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    userId: z.uuid(),
    username: z.string(),
    scopes: z.array(scopeSchema),
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'ApiToken' });

const createBody = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(scopeSchema).min(1).refine((s) => new Set(s).size === s.length, 'scopes must not repeat'),
  /** A Prometheus duration such as `90d`; omitted = never expires. */
  expiresIn: positiveDuration
    .refine((ms) => ms <= 10 * 365 * 86_400_000, 'at most 10 years')
    .optional()
    .describe('lifetime as a Prometheus duration, e.g. 90d, at most 10 years; omitted = no expiry'),
});
const listQuery = z.object({ all: z.enum(['true', 'false']).optional().describe('admins: every user’s tokens') });
const idParams = z.object({ id: z.uuid() });

interface TokenRow {
  id: string;
  name: string;
  user_id: string;
  username: string;
  scopes: TokenScope[];
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const SELECT = `SELECT t.id, t.name, t.user_id, u.username, t.scopes, t.expires_at, t.last_used_at, t.revoked_at, t.created_at
                  FROM api_tokens t JOIN users u ON u.id = t.user_id`;
const iso = (d: Date | null) => d?.toISOString() ?? null;
const toToken = (r: TokenRow) => ({
  id: r.id,
  name: r.name,
  userId: r.user_id,
  username: r.username,
  scopes: r.scopes,
  expiresAt: iso(r.expires_at),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
  createdAt: r.created_at.toISOString(),
});

/** `/api/tokens`: API tokens (`sxt_…`) with scopes, expiry and last use; the secret is shown once. */
export function tokenRoutes(deps: RouteDeps & { auth: AuthRuntime }): RouteSpec[] {
  const pool = deps.storage.pool;
  return [
    defineRoute({
      method: 'get',
      path: '/api/tokens',
      operationId: 'listTokens',
      summary: "The caller's API tokens (admins: everyone's with all=true)",
      tags: ['tokens'],
      auth: { role: 'viewer' },
      query: listQuery,
      responses: { 200: { description: 'tokens', schema: z.object({ items: z.array(apiTokenSchema), total: z.number().int() }) } },
      handler: async ({ query, principal }) => {
        const everyone = query.all === 'true' && roleAtLeast(principal!.role, 'admin');
        const rows = (await pool.query<TokenRow>(`${SELECT} WHERE $1 OR t.user_id = $2 ORDER BY t.created_at DESC`, [everyone, principal!.userId])).rows;
        return { items: rows.map(toToken), total: rows.length };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tokens',
      operationId: 'createToken',
      summary: 'Create an API token for the caller; the answer holds the secret, shown this once',
      tags: ['tokens'],
      // A token must not mint tokens: the new one would outlive the revocation of the first.
      auth: { role: 'viewer', loginOnly: true },
      body: createBody,
      status: 201,
      responses: { 201: { description: 'created', schema: apiTokenSchema.extend({ token: z.string().describe('the secret; not retrievable later') }) } },
      handler: async ({ body, principal, log }) => {
        const { token, hash } = generateApiToken();
        const inserted = await pool.query<{ id: string }>(
          `INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at)
           VALUES ($1, $2, $3, $4, CASE WHEN $5::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $5::float8) END) RETURNING id`,
          [principal!.userId, body.name, hash, body.scopes, body.expiresIn === undefined ? null : body.expiresIn / 1000],
        );
        const row = (await pool.query<TokenRow>(`${SELECT} WHERE t.id = $1`, [inserted.rows[0]!.id])).rows[0]!;
        log.info({ tokenId: row.id, userId: row.user_id, scopes: row.scopes }, 'API token created');
        return { ...toToken(row), token };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/tokens/:id',
      operationId: 'revokeToken',
      summary: 'Revoke an API token (your own; admins any)',
      tags: ['tokens'],
      auth: { role: 'viewer' },
      params: idParams,
      status: 204,
      responses: { 204: { description: 'revoked' } },
      handler: async ({ params, principal }) => {
        const anyone = roleAtLeast(principal!.role, 'admin');
        const revoked = await pool.query(
          'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND ($2 OR user_id = $3)',
          [params.id, anyone, principal!.userId],
        );
        if (revoked.rowCount === 0) throw notFound('API token');
        return undefined;
      },
    }),
  ];
}
