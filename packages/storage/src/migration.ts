import type pg from 'pg';
import type { Capabilities } from './capabilities.ts';

/** What a migration gets: one dedicated connection and the storage mode chosen for this database. */
export interface MigrationContext {
  client: pg.PoolClient;
  caps: Capabilities;
}

/** A versioned schema change. Runs in a transaction unless `transaction: false`. */
export interface Migration {
  /** Sortable, never renamed once released: `NNNN-what`. */
  name: string;
  transaction?: boolean;
  up(context: MigrationContext): Promise<void>;
}
