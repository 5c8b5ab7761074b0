import type { Me, Role } from '../api/types.ts';

const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

/**
 * Who an access JWT names (`sub`, `name`, `role` claims), read without verifying it: the API
 * verifies every request, the UI only needs to know whom to greet and which actions to offer.
 * Undefined when the token is not a JWT of that shape.
 */
export function decodeAccessClaims(token: string): Me | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { sub?: unknown; name?: unknown; role?: unknown };
    if (typeof claims.sub !== 'string' || typeof claims.name !== 'string' || !ROLES.includes(claims.role as Role)) return undefined;
    return { id: claims.sub, username: claims.name, role: claims.role as Role };
  } catch {
    return undefined;
  }
}
