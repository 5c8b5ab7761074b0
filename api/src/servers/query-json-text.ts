import type pg from 'pg';

// The session already holds a statement of that name (42P05), or lacks one node-postgres thinks it
// prepared (26000): connections that share backend sessions (PGlite, PgBouncer in transaction mode).
const SESSION_MISMATCH = new Set(['42P05', '26000']);

/**
 * Runs a query whose one row has a `body` column of JSON text and returns that text (undefined when
 * there is no row). Named, so each pooled connection plans it once; when the backend session does
 * not match the connection (see above) the same query runs again unnamed.
 */
export async function queryJsonText(pool: pg.Pool, name: string, text: string, values: unknown[] = []): Promise<string | undefined> {
  let result: pg.QueryResult<{ body: string }>;
  try {
    result = await pool.query<{ body: string }>({ name, text, values });
  } catch (err) {
    if (!SESSION_MISMATCH.has((err as { code?: string }).code ?? '')) throw err;
    result = await pool.query<{ body: string }>({ text, values });
  }
  return result.rows[0]?.body;
}
