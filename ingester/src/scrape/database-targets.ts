import type pg from 'pg';
import type { ScrapeTarget } from './scrape-target.ts';

/** Servers registered with an exporter address (through the API, or by an earlier scrape). */
export async function databaseTargets(pool: pg.Pool, job: string): Promise<ScrapeTarget[]> {
  const { rows } = await pool.query<{ address: string }>(`SELECT address FROM servers WHERE address IS NOT NULL AND address <> '' ORDER BY address`);
  return rows.map((r) => ({ address: r.address, job, labels: {} }));
}
