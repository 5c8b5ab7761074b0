import type pg from 'pg';

/** Everything a migration could change, as one comparable value: columns, indexes, functions, migrations, policies. */
export async function schemaFingerprint(pool: pg.Pool, timescaledb: boolean): Promise<unknown> {
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '%\\_p2%'
      ORDER BY table_name, column_name`,
  );
  const indexes = await pool.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename NOT LIKE '%\\_p2%' ORDER BY tablename, indexname`,
  );
  const functions = await pool.query(`SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'sextant%' ORDER BY proname`);
  const migrations = await pool.query('SELECT name, applied_at FROM sextant_migrations ORDER BY name');
  const meta = await pool.query('SELECT key, value FROM sextant_meta ORDER BY key');
  const jobs = timescaledb
    ? (await pool.query(`SELECT job_id, proc_name, hypertable_name, config FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY job_id`)).rows
    : [];
  return { columns: columns.rows, indexes: indexes.rows, functions: functions.rows, migrations: migrations.rows, meta: meta.rows, jobs };
}
