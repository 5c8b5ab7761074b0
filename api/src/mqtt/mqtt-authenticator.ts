import type pg from 'pg';
import { isApiToken, verifyApiToken, verifyPassword } from '@sextant/auth';
import type { Role } from '@sextant/auth';
import { createLoginThrottle } from '../auth/login-throttle.ts';
import type { MqttPrincipal } from './topic-acl.ts';

/** The claims of a valid access JWT (the API's `verifyAccessToken`), or null when it is not one. */
export type AccessTokenVerifier = (token: string) => { sub: string; exp?: number } | null | Promise<{ sub: string; exp?: number } | null>;

/** Username that announces an API token as the password. */
export const MQTT_TOKEN_USERNAME = 'token';

export interface MqttAuthenticatorOptions {
  pool: pg.Pool;
  /** Checks access JWTs; without it a JWT password is refused. */
  verifyAccessToken?: AccessTokenVerifier;
}

/**
 * Turns CONNECT credentials from the client at `address` into a principal, or null; no credentials
 * is always null, and so is a password login past the login throttle's limit.
 */
export type MqttAuthenticator = (username: string | undefined, password: string | undefined, address: string) => Promise<MqttPrincipal | null>;

// A JWT: three base64url parts, the header a JSON object (`{"` encodes as `eyJ`).
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;

/**
 * Accepts, per the MQTT contract: username `token` (or the token owner's name) + an API token with
 * the `mqtt` scope; a user's name + a current access JWT of that user; a user's name + that user's
 * password. Disabled or deleted users, revoked or expired tokens are refused on every path.
 */
export function createMqttAuthenticator(options: MqttAuthenticatorOptions): MqttAuthenticator {
  const { pool } = options;
  // Password logins count as `POST /api/auth/login` ones do, with its default limits, in the same table.
  const throttle = createLoginThrottle(pool);
  return async (username, password, address) => {
    if (username === undefined || username === '' || password === undefined || password === '') return null;
    if (username === MQTT_TOKEN_USERNAME || isApiToken(password)) {
      const token = await verifyApiToken(pool, password, 'mqtt');
      // Under its owner's name a token works too: the form a Mosquitto password file can hold.
      if (token === null || (username !== MQTT_TOKEN_USERNAME && username !== token.username)) return null;
      return { userId: token.userId, username: token.username, role: token.role, tokenId: token.tokenId };
    }
    if (JWT_SHAPE.test(password) && options.verifyAccessToken !== undefined) {
      const claims = await options.verifyAccessToken(password);
      if (claims !== null) {
        const user = await findUser(pool, 'id', claims.sub);
        if (user === undefined || user.username !== username) return null;
        return { userId: user.id, username: user.username, role: user.role, ...(claims.exp === undefined ? {} : { expiresAt: claims.exp * 1000 }) };
      }
      // An expired or foreign access token (a browser reconnecting after sleep) is refused without
      // counting as a failed login: it would otherwise lock its user out. No password looks like one.
      return null;
    }
    // The same counts as the HTTP login: MQTT is no way around its limits.
    const login = await throttle.guard(username, address, async () => {
      const user = await findUser(pool, 'username', username);
      // verifyPassword(undefined) costs as much as a real check, so unknown names are not revealed by timing.
      return (await verifyPassword(user?.password_hash, password)) && user !== undefined ? user : null;
    });
    if ('retryAfter' in login || login.found === null) return null;
    const user = login.found;
    return { userId: user.id, username: user.username, role: user.role };
  };
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
}

async function findUser(pool: pg.Pool, by: 'id' | 'username', value: string): Promise<UserRow | undefined> {
  // `id` is uuid: a malformed `sub` must not reach PostgreSQL as a cast error.
  if (by === 'id' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return undefined;
  const result = await pool.query<UserRow>(
    `SELECT id, username, password_hash, role FROM users WHERE ${by === 'id' ? 'id' : 'username'} = $1 AND NOT disabled`,
    [value],
  );
  return result.rows[0];
}
