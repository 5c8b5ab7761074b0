import type pg from 'pg';
import { z } from 'zod';
import { hashPassword } from '@sextant/auth';
import { withTransaction } from '@sextant/storage';
import type { AuthRuntime } from '../auth/auth-runtime.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { defineRoute } from '../route.ts';
import type { RouteDeps, RouteSpec } from '../route.ts';
import { USER_COLUMNS, roleSchema, toUser, userSchema } from './user-schema.ts';
import type { UserRow } from './user-schema.ts';

const idParams = z.object({ id: z.uuid() });
const password = z.string().min(8, 'must have at least 8 characters').max(1024);
const createBody = z.object({
  username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - (1 to 64)'),
  password,
  role: roleSchema.default('viewer'),
});
const updateBody = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional(), password: password.optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined || b.password !== undefined, 'change at least one of role, disabled, password');
const userList = z.object({ items: z.array(userSchema), total: z.number().int() });

/** `/api/users`: admins list, create, change (role, disabled, password reset) and delete users. */
export function userRoutes(deps: RouteDeps & { auth: AuthRuntime }): RouteSpec[] {
  const pool = deps.storage.pool;
  const admin = { role: 'admin' } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/api/users',
      operationId: 'listUsers',
      summary: 'Every user',
      tags: ['users'],
      auth: admin,
      responses: { 200: { description: 'users', schema: userList } },
      handler: async () => {
        const rows = (await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`)).rows;
        return { items: rows.map(toUser), total: rows.length };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/users',
      operationId: 'createUser',
      summary: 'Create a user',
      tags: ['users'],
      auth: admin,
      body: createBody,
      status: 201,
      responses: { 201: { description: 'created', schema: userSchema }, 409: { description: 'the username is taken' } },
      handler: async ({ body }) => {
        const hash = await hashPassword(body.password);
        const created = await pool.query<UserRow>(`INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`, [
          body.username,
          hash,
          body.role,
        ]);
        return toUser(created.rows[0]!);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/users/:id',
      operationId: 'getUser',
      summary: 'One user',
      tags: ['users'],
      auth: admin,
      params: idParams,
      responses: { 200: { description: 'the user', schema: userSchema } },
      handler: async ({ params }) => {
        const row = (await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [params.id])).rows[0];
        if (row === undefined) throw notFound('user');
        return toUser(row);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/users/:id',
      operationId: 'updateUser',
      summary: "Change a user's role, disable or enable them, or reset their password (ends their sessions)",
      tags: ['users'],
      auth: admin,
      params: idParams,
      body: updateBody,
      responses: { 200: { description: 'the user', schema: userSchema }, 409: { description: 'would leave no enabled admin' } },
      handler: async ({ params, body }) => {
        const hash = body.password === undefined ? null : await hashPassword(body.password);
        const losesAdmin = (body.role !== undefined && body.role !== 'admin') || body.disabled === true;
        const row = await withAdminGuard(pool, params.id, losesAdmin, async (client) => {
          const updated = await client.query<UserRow>(
            `UPDATE users SET role = coalesce($2, role), disabled = coalesce($3, disabled), password_hash = coalesce($4, password_hash), updated_at = now()
              WHERE id = $1 RETURNING ${USER_COLUMNS}`,
            [params.id, body.role ?? null, body.disabled ?? null, hash],
          );
          return updated.rows[0];
        });
        if (hash !== null || body.disabled === true) await deps.auth.refreshTokens.revokeUser(params.id);
        return toUser(row);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/users/:id',
      operationId: 'deleteUser',
      summary: 'Delete a user with their tokens',
      tags: ['users'],
      auth: admin,
      params: idParams,
      status: 204,
      responses: { 204: { description: 'deleted' }, 409: { description: 'would leave no enabled admin' } },
      handler: async ({ params }) => {
        await withAdminGuard(pool, params.id, true, async (client) => (await client.query<UserRow>(`DELETE FROM users WHERE id = $1 RETURNING ${USER_COLUMNS}`, [params.id])).rows[0]);
        return undefined;
      },
    }),
  ];
}

/**
 * Runs `change` on user `id` in a transaction that, when `losesAdmin`, first locks the enabled
 * admins and refuses (409 `LAST_ADMIN`) to take away the last one. 404 when the user is missing.
 */
async function withAdminGuard(pool: pg.Pool, id: string, losesAdmin: boolean, change: (client: pg.PoolClient) => Promise<UserRow | undefined>): Promise<UserRow> {
  return withTransaction(pool, async (client) => {
    if (losesAdmin) {
      const admins = await client.query<{ id: string }>("SELECT id FROM users WHERE role = 'admin' AND NOT disabled FOR UPDATE");
      if (admins.rows.length === 1 && admins.rows[0]!.id === id) throw new ApiError(409, 'LAST_ADMIN', 'this is the last enabled admin');
    }
    const row = await change(client);
    if (row === undefined) throw notFound('user');
    return row;
  });
}
