import type pg from 'pg';

/**
 * Runs `work` on one pooled connection inside BEGIN … COMMIT and answers what it returns; when
 * `work` (or COMMIT) throws, rolls back and rethrows. The connection goes back to the pool either way.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
