import jwt from 'jsonwebtoken';
import type { Role } from '@sextant/auth';
import type { JwtKeys } from './jwt-keys.ts';

/** Lifetime of an access JWT, in seconds (15 minutes). */
export const ACCESS_TOKEN_TTL_S = 900;
export const JWT_ISSUER = 'sextant';
export const JWT_AUDIENCE = 'sextant-api';

/** The claims of an access token; the user is re-read from the database on every request anyway. */
export interface AccessClaims {
  sub: string;
  name: string;
  role: Role;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** A signed access JWT for `user`, valid `ACCESS_TOKEN_TTL_S` seconds. */
export function signAccessToken(keys: JwtKeys, user: { id: string; username: string; role: Role }): string {
  return jwt.sign({ name: user.username, role: user.role }, keys.signingKey, {
    algorithm: keys.algorithm,
    subject: user.id,
    expiresIn: ACCESS_TOKEN_TTL_S,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
  });
}

/** Options that pin what an access token must be (algorithm, issuer, audience), shared with koa-jwt. */
export function verifyOptions(keys: JwtKeys): { algorithms: jwt.Algorithm[]; issuer: string; audience: string } {
  return { algorithms: [keys.algorithm], issuer: JWT_ISSUER, audience: JWT_AUDIENCE };
}

/**
 * The claims of a valid access token, or null (bad signature, wrong algorithm, `alg: none`,
 * expired, other issuer). For callers outside the HTTP router, such as MQTT over WebSocket; they
 * must still check that the user exists and is enabled.
 */
export function verifyAccessToken(keys: JwtKeys, token: string): AccessClaims | null {
  try {
    const claims = jwt.verify(token, keys.verifyingKey, verifyOptions(keys));
    if (typeof claims !== 'object' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return null;
    return claims as unknown as AccessClaims;
  } catch {
    return null;
  }
}
