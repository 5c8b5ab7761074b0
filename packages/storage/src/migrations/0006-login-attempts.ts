import type { Migration } from '../migration.ts';

/**
 * `login_attempts`: the API's login throttle, shared by every API process and kept across restarts.
 * One row per throttled key (`u:<account>` or `a:<client address>`): attempts counted in the fixed
 * window that ends at `window_ends`. Rows past their window are deleted as logins go by.
 */
export const loginAttempts: Migration = {
  name: '0006-login-attempts',
  async up({ client }) {
    await client.query(`
      CREATE TABLE login_attempts (
        key         text PRIMARY KEY,
        attempts    integer NOT NULL,
        window_ends timestamptz NOT NULL
      );
      CREATE INDEX login_attempts_window_ends_idx ON login_attempts (window_ends);
    `);
  },
};
