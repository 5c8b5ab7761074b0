import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { hashApiToken } from '@sextant/auth';
import type { Role } from '@sextant/auth';
import { ApiError } from '../http/api-error.ts';

/** The user a refresh token was issued to, as read when it is used. */
export interface RefreshedUser {
  id: string;
  username: string;
  role: Role;
}

/** Refresh tokens: opaque, 256 random bits, stored as SHA-256, rotated on every use within a family. */
export interface RefreshTokens {
  /** Starts a new family (a login) and answers its first token. */
  issue(userId: string): Promise<string>;
  /**
   * Exchanges `token` for a new one of the same family. A token that was already rotated away
   * proves a copy exists elsewhere: the whole family is revoked and 401 `REFRESH_TOKEN_REUSED`
   * answered. Unknown, expired or revoked tokens and disabled users get 401 `REFRESH_TOKEN_INVALID`.
   */
  rotate(token: string): Promise<{ token: string; user: RefreshedUser }>;
  /** Revokes the family of `token` (logout); unknown tokens are ignored. */
  revokeFamily(token: string): Promise<void>;
  /** Revokes every refresh token of a user (password reset, disable). */
  revokeUser(userId: string): Promise<void>;
}

export function createRefreshTokens({ pool, ttlMs }: { pool: pg.Pool; ttlMs: number }): RefreshTokens {
  const make = () => `sxr_${randomBytes(32).toString('base64url')}`;
  const insert = async (client: pg.Pool | pg.PoolClient, userId: string, familyId: string) => {
    const token = make();
    const row = await client.query<{ id: string }>(
      `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id`,
      [userId, familyId, hashApiToken(token), ttlMs / 1000],
    );
    return { token, id: row.rows[0]!.id };
  };
  const invalid = () => new ApiError(401, 'REFRESH_TOKEN_INVALID', 'the refresh token is invalid or expired');

  return {
    async issue(userId) {
      // Each login also clears the user's long-dead tokens, so the table stays the size of live sessions.
      await pool.query("DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < now() - interval '1 day'", [userId]);
      return (await insert(pool, userId, randomUUID())).token;
    },

    async rotate(token) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // The row lock makes two concurrent uses of one token line up: the second sees it rotated.
        const found = await client.query<{ id: string; family_id: string; revoked: boolean; replaced: boolean; expired: boolean; user_id: string; username: string; role: Role; disabled: boolean }>(
          `SELECT t.id, t.family_id, t.revoked_at IS NOT NULL AS revoked, t.replaced_by IS NOT NULL AS replaced,
                  t.expires_at <= now() AS expired, u.id AS user_id, u.username, u.role, u.disabled
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 FOR UPDATE OF t`,
          [hashApiToken(token)],
        );
        const row = found.rows[0];
        if (row === undefined) {
          await client.query('ROLLBACK');
          throw invalid();
        }
        if (row.replaced) {
          await client.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [row.family_id]);
          await client.query('COMMIT');
          throw new ApiError(401, 'REFRESH_TOKEN_REUSED', 'this refresh token was already used; every session of its login is now revoked');
        }
        if (row.revoked || row.expired || row.disabled) {
          await client.query('ROLLBACK');
          throw invalid();
        }
        const next = await insert(client, row.user_id, row.family_id);
        await client.query('UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1', [row.id, next.id]);
        await client.query('COMMIT');
        return { token: next.token, user: { id: row.user_id, username: row.username, role: row.role } };
      } catch (err) {
        if (!(err instanceof ApiError)) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    async revokeFamily(token) {
      await pool.query(
        `UPDATE refresh_tokens SET revoked_at = now()
          WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)`,
        [hashApiToken(token)],
      );
    },

    async revokeUser(userId) {
      await pool.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    },
  };
}
