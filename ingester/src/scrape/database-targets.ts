import type pg from 'pg';
import type { ScrapeTarget } from './scrape-target.ts';

/**
 * Servers registered with an exporter address (through the API). Servers Sextant registered itself
 * from scraped data carry `labels.instance`; they are scraped only while the static or file_sd target
 * that found them is configured, so removing a target from a file stops its scrapes.
 */
export async function databaseTargets(pool: pg.Pool, job: string): Promise<ScrapeTarget[]> {
  const { rows } = await pool.query<{ address: string }>(
    `SELECT address FROM servers WHERE address IS NOT NULL AND address <> '' AND NOT labels ? 'instance' ORDER BY address`,
  );
  return rows.map((r) => ({ address: r.address, job, labels: {} }));
}
