import type pg from 'pg';

/**
 * Runs `work` on one pooled connection inside BEGIN … COMMIT and answers what it returns; when
 * `work` (or COMMIT) throws, rolls back and rethrows. The connection goes back to the pool either way.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, () => work(client));
  } finally {
    client.release();
  }
}

/** Runs `work` inside BEGIN … COMMIT on a connection the caller holds; rolls back and rethrows when it throws. */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
