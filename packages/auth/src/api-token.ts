import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Role, TokenScope } from './roles.ts';

/** Every API token starts with this, so secret scanners and logs can recognise one. */
export const API_TOKEN_PREFIX = 'sxt_';

/** A new API token: the secret to show once, and the hash to store in `api_tokens.token_hash`. */
export function generateApiToken(): { token: string; hash: string } {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashApiToken(token) };
}

/** SHA-256 (hex) of a token: tokens are 256 random bits, so a fast hash is enough at rest. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a bearer credential looks like an API token (rather than a JWT). */
export function isApiToken(credential: string): boolean {
  return credential.startsWith(API_TOKEN_PREFIX);
}

/** The caller an accepted API token stands for. */
export interface TokenPrincipal {
  tokenId: string;
  userId: string;
  username: string;
  role: Role;
  scopes: TokenScope[];
}

/**
 * Looks up `token` and answers its principal when it is live — not revoked, not expired, its user
 * neither disabled nor deleted — and carries `scope` (when given); otherwise null. Records
 * `last_used_at` at most once a minute per token so a busy sender does not write on every request.
 */
export async function verifyApiToken(pool: pg.Pool, token: string, scope?: TokenScope): Promise<TokenPrincipal | null> {
  if (!isApiToken(token)) return null;
  const result = await pool.query<{ id: string; user_id: string; username: string; role: Role; scopes: TokenScope[]; stale: boolean }>(
    `SELECT t.id, t.user_id, u.username, u.role, t.scopes,
            (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled`,
    [hashApiToken(token)],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  if (scope !== undefined && !row.scopes.includes(scope)) return null;
  if (row.stale) await pool.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  return { tokenId: row.id, userId: row.user_id, username: row.username, role: row.role, scopes: row.scopes };
}
