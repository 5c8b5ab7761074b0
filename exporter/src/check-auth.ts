import { createHash, timingSafeEqual } from 'node:crypto';

/** Credentials /metrics accepts; with none configured, /metrics is open (like node_exporter without web config). */
export interface AuthOptions {
  bearerToken?: string | undefined;
  basicUser?: string | undefined;
  basicPassword?: string | undefined;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
function same(a: string, b: Buffer): boolean {
  return timingSafeEqual(digest(a), b);
}

/**
 * Returns a check of the `Authorization` header, or null when no auth is configured. A bearer
 * token and basic credentials may both be set; either one is then accepted.
 */
export function createAuthCheck(options: AuthOptions): ((authorization: string | undefined) => boolean) | null {
  const bearer = options.bearerToken === undefined ? undefined : digest(options.bearerToken);
  const basic =
    options.basicUser === undefined || options.basicPassword === undefined
      ? undefined
      : digest(`${options.basicUser}:${options.basicPassword}`);
  if (bearer === undefined && basic === undefined) return null;
  return (authorization) => {
    if (authorization === undefined) return false;
    const sp = authorization.indexOf(' ');
    if (sp < 0) return false;
    const scheme = authorization.slice(0, sp).toLowerCase();
    const credentials = authorization.slice(sp + 1).trim();
    if (scheme === 'bearer' && bearer !== undefined) return same(credentials, bearer);
    if (scheme === 'basic' && basic !== undefined) {
      return same(Buffer.from(credentials, 'base64').toString('utf8'), basic);
    }
    return false;
  };
}
