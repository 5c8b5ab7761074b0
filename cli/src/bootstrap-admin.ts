import { z } from 'zod';
import type pg from 'pg';
import type { EnvDoc } from './env-help.ts';
import { createUser, generatePassword, hasUsers } from './users.ts';

/** Settings of the admin created when no user exists. */
export const adminConfigSchema = z.object({
  /** Name of the admin created when no user exists. Default `admin`. */
  SEXTANT_ADMIN_USER: z.string().min(1).default('admin'),
  /** Password of that admin; default generated and printed once. */
  SEXTANT_ADMIN_PASSWORD: z.string().min(8, 'must have at least 8 characters').optional(),
});

export const adminEnvHelp: readonly EnvDoc[] = [
  { name: 'SEXTANT_ADMIN_USER', default: 'admin', description: 'admin created when no user exists' },
  { name: 'SEXTANT_ADMIN_PASSWORD', default: 'generated, printed once', description: 'password of that admin' },
];

/**
 * Creates the admin when the users table is empty and answers the start-up summary line for it
 * (with a generated password, shown this once), or undefined when users already exist.
 */
export async function bootstrapAdmin(pool: pg.Pool, config: z.output<typeof adminConfigSchema>): Promise<string | undefined> {
  if (await hasUsers(pool)) return undefined;
  const password = config.SEXTANT_ADMIN_PASSWORD ?? generatePassword();
  await createUser(pool, { username: config.SEXTANT_ADMIN_USER, password, role: 'admin' });
  const shown = config.SEXTANT_ADMIN_PASSWORD === undefined ? `password ${password}  (shown once: keep it)` : 'password from SEXTANT_ADMIN_PASSWORD';
  return `  admin     user ${config.SEXTANT_ADMIN_USER}, ${shown}`;
}
