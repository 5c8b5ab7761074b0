import { z } from 'zod';
import { ROLES } from '@sextant/auth';
import type { Role } from '@sextant/auth';

export const roleSchema = z.enum(ROLES as [Role, ...Role[]]);

/** A user as the API shows it (never the password hash). */
export const userSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'User' });

export type User = z.output<typeof userSchema>;

/** Columns to select for `toUser`. */
export const USER_COLUMNS = 'id, username, role, disabled, created_at, updated_at';

export interface UserRow {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
