import type { Migration } from '../migration.ts';

/**
 * `login_attempts`: the API's login throttle, shared by every API process and kept across restarts.
 * One row per throttled key (`u:<account>` or `a:<client address>`): failed logins in the fixed
 * window that ends at `window_ends`, and (for accounts) logins whose password is being checked now.
 * Rows past their window are deleted as logins go by.
 */
export const loginAttempts: Migration = {
  name: '0006-login-attempts',
  async up({ client }) {
    await client.query(`
      CREATE TABLE login_attempts (
        key         text PRIMARY KEY,
        failures    integer NOT NULL DEFAULT 0,
        pending     integer NOT NULL DEFAULT 0,
        window_ends timestamptz NOT NULL
      );
      CREATE INDEX login_attempts_window_ends_idx ON login_attempts (window_ends);
    `);
  },
};
