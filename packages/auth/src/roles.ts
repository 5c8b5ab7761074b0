/** A user's role: `admin` may do everything, `operator` manages servers, rules and acks, `viewer` reads. */
export type Role = 'admin' | 'operator' | 'viewer';

export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

/** What an API token may be used for; a token carries one or more. */
export type TokenScope = 'read' | 'write' | 'remote_write' | 'mqtt';

export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write', 'remote_write', 'mqtt'];

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` includes everything `required` may do (admin ⊇ operator ⊇ viewer). */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
