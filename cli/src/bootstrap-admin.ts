import { z } from 'zod';
import type pg from 'pg';
import type { EnvDoc } from './env-help.ts';
import { hashPassword } from '@sextant/auth';
import { withTransaction } from '@sextant/storage';
import { generatePassword, hasUsers } from './users.ts';

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
 * (with a generated password, shown this once), or undefined when users already exist. Safe when
 * several processes start at once on a new database: one creates the admin, the others see it.
 */
export async function bootstrapAdmin(pool: pg.Pool, config: z.output<typeof adminConfigSchema>): Promise<string | undefined> {
  if (await hasUsers(pool)) return undefined;
  const password = config.SEXTANT_ADMIN_PASSWORD ?? generatePassword();
  const hash = await hashPassword(password);
  const created = await withTransaction(pool, async (client) => {
    // Serialises the check and the insert across processes; released at commit.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('sextant:bootstrap-admin'))");
    const insert = await client.query(
      "INSERT INTO users (username, password_hash, role) SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM users)",
      [config.SEXTANT_ADMIN_USER, hash],
    );
    return insert.rowCount === 1;
  });
  if (!created) return undefined;
  const shown = config.SEXTANT_ADMIN_PASSWORD === undefined ? `password ${password}  (shown once: keep it)` : 'password from SEXTANT_ADMIN_PASSWORD';
  return `  admin     user ${config.SEXTANT_ADMIN_USER}, ${shown}`;
}
