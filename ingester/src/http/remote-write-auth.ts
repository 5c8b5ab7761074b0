import { createHash } from 'node:crypto';
import type pg from 'pg';
import { verifyApiToken } from '@sextant/auth';

/** `token`: a live API token with the `remote_write` scope is required; `open`: anyone may write. */
export type RemoteWriteAuth = 'token' | 'open';

/** Why a request may not write: 401 (no or unknown credentials) or 403 (token lacks the scope). */
export interface AuthRefusal {
  status: 401 | 403;
  message: string;
}

export interface RemoteWriteAuthOptions {
  pool: pg.Pool;
  mode: RemoteWriteAuth;
  /** How long an accepted token is trusted without asking the database again (ms); default 5000. */
  cacheMs?: number;
}

const MAX_CACHED = 1000;

// The API token in `Authorization: Bearer <token>`, or the password of `Basic` (Prometheus's
// `basic_auth` with the token as password and any user name).
function credential(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (space < 0 || value === '') return undefined;
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Checks a remote-write request's credentials; resolves null when it may write. Database trouble
 * rejects (the receiver answers 503). Accepted tokens are cached for `cacheMs`, so a busy sender
 * costs no query per request; revocation takes effect within that time.
 */
export function createRemoteWriteAuth(options: RemoteWriteAuthOptions): (authorization: string | undefined) => Promise<AuthRefusal | null> {
  const cacheMs = options.cacheMs ?? 5000;
  const accepted = new Map<string, number>();
  return async (authorization) => {
    if (options.mode === 'open') return null;
    const token = credential(authorization);
    if (token === undefined) return { status: 401, message: 'remote write needs an API token: Authorization: Bearer <token> (or basic auth with the token as password)' };
    const key = createHash('sha256').update(token).digest('base64');
    const until = accepted.get(key);
    if (until !== undefined && until > Date.now()) return null;
    accepted.delete(key);
    const principal = await verifyApiToken(options.pool, token);
    if (principal === null) return { status: 401, message: 'the API token is unknown, revoked or expired, or its user is disabled' };
    if (!principal.scopes.includes('remote_write')) return { status: 403, message: 'the API token lacks the remote_write scope' };
    if (cacheMs > 0) {
      if (accepted.size >= MAX_CACHED) accepted.clear();
      accepted.set(key, Date.now() + cacheMs);
    }
    return null;
  };
}
