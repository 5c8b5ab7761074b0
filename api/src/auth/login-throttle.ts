import type pg from 'pg';

/** Limits of the login throttle; defaults in `createLoginThrottle`. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per account within `windowMs`; default 5. */
  perAccount?: number;
  /** Failed logins allowed per client address within `windowMs`; default 20. */
  perAddress?: number;
  /** Length of the window, in ms; default 15 minutes. */
  windowMs?: number;
  now?: () => number;
}

/**
 * Counts login attempts per account and per client address in PostgreSQL (`login_attempts`), so
 * every API process shares the counts and a restart forgets none of them.
 */
export interface LoginThrottle {
  /**
   * Counts an attempt before its password is checked, so attempts sent in parallel cannot all slip
   * under the limit. Answers 0 when it may go ahead, or the seconds to wait; a refused attempt is
   * not counted.
   */
  attempt(account: string, address: string): Promise<number>;
  /** The attempt succeeded: the account's count is cleared, and the attempt no longer counts against the address. */
  succeeded(account: string, address: string): Promise<void>;
}

// Fixed windows: a key's first attempt opens one; an attempt after it ended opens the next.
// Every statement that locks more than one row takes them in key order, or skips locked rows, so
// concurrent logins cannot deadlock.
const COUNT = `
  INSERT INTO login_attempts (key, attempts, window_ends)
  SELECT k, 1, to_timestamp(($2::float8 + $3) / 1000) FROM unnest($1::text[]) AS k ORDER BY k
  ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN 1 ELSE login_attempts.attempts + 1 END,
    window_ends = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN EXCLUDED.window_ends ELSE login_attempts.window_ends END
  RETURNING key, attempts, (extract(epoch FROM window_ends) * 1000)::float8 AS ends_ms`;

const UNCOUNT = 'UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0';

// Keys whose window ended a window ago; the index on window_ends keeps this cheap.
const FORGET = `
  DELETE FROM login_attempts WHERE key IN (
    SELECT key FROM login_attempts WHERE window_ends < to_timestamp($1::float8 / 1000) FOR UPDATE SKIP LOCKED)`;

export function createLoginThrottle(pool: pg.Pool, options: LoginThrottleOptions = {}): LoginThrottle {
  const perAccount = options.perAccount ?? 5;
  const perAddress = options.perAddress ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const accountKey = (account: string) => `u:${account.toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;

  return {
    async attempt(account, address) {
      const at = now();
      const keys = [accountKey(account), addressKey(address)];
      const { rows } = await pool.query<{ key: string; attempts: number; ends_ms: number }>(COUNT, [keys, at, windowMs]);
      let wait = 0;
      for (const row of rows) {
        // The limit counts failures; this attempt is the next one after them.
        const limit = row.key === keys[0] ? perAccount : perAddress;
        if (row.attempts > limit) wait = Math.max(wait, Math.max(1, Math.ceil((row.ends_ms - at) / 1000)));
      }
      if (wait > 0) for (const key of keys) await pool.query(UNCOUNT, [key]);
      else await pool.query(FORGET, [at - windowMs]);
      return wait;
    },
    async succeeded(account, address) {
      await pool.query('DELETE FROM login_attempts WHERE key = $1', [accountKey(account)]);
      await pool.query(UNCOUNT, [addressKey(address)]);
    },
  };
}
