import { randomBytes } from 'node:crypto';
import { hashPassword } from '@sextant/auth';
import type { Role } from '@sextant/auth';
import type pg from 'pg';

export type { Role };

/** A password good enough to print once and hand to a person: 20 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Creates a user with an argon2id password hash (`@sextant/auth`); fails with PostgreSQL 23505 if the name is taken. */
export async function createUser(pool: pg.Pool, user: { username: string; password: string; role: Role }): Promise<string> {
  const hash = await hashPassword(user.password);
  const result = await pool.query<{ id: string }>('INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id', [
    user.username,
    hash,
    user.role,
  ]);
  return result.rows[0]!.id;
}

/** Whether any user exists (the bootstrap admin is created only into an empty table). */
export async function hasUsers(pool: pg.Pool): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM users LIMIT 1')).rowCount === 1;
}
