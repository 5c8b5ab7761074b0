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
 * Counts login attempts per account and failed logins per client address in PostgreSQL
 * (`login_attempts`), so every API process shares the counts and a restart forgets none of them.
 */
export interface LoginThrottle {
  /**
   * Counts an attempt at `account` before its password is checked, so attempts sent in parallel
   * cannot all slip under the limit. Answers 0 when it may go ahead, or the seconds to wait (the
   * account's or the address's limit is reached); a refused attempt is not counted.
   */
  attempt(account: string, address: string): Promise<number>;
  /** The attempt from `address` failed: it counts against the address too. */
  failed(address: string): Promise<void>;
  /** The attempt succeeded: the account's count is cleared. */
  succeeded(account: string): Promise<void>;
}

// Fixed windows: a key's first count opens one; a count after it ended opens the next. Statements
// lock one row each, or skip locked rows, so concurrent logins cannot deadlock.
const COUNT = `
  INSERT INTO login_attempts (key, attempts, window_ends) VALUES ($1, 1, to_timestamp(($2::float8 + $3) / 1000))
  ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN 1 ELSE login_attempts.attempts + 1 END,
    window_ends = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN EXCLUDED.window_ends ELSE login_attempts.window_ends END
  RETURNING attempts, (extract(epoch FROM window_ends) * 1000)::float8 AS ends_ms`;

const READ = `
  SELECT attempts, (extract(epoch FROM window_ends) * 1000)::float8 AS ends_ms
  FROM login_attempts WHERE key = $1 AND window_ends > to_timestamp($2::float8 / 1000)`;

const UNCOUNT = 'UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0';

// Keys whose window ended a window ago; the index on window_ends keeps this cheap.
const FORGET = `
  DELETE FROM login_attempts WHERE key IN (
    SELECT key FROM login_attempts WHERE window_ends < to_timestamp($1::float8 / 1000) FOR UPDATE SKIP LOCKED)`;

interface Count {
  attempts: number;
  ends_ms: number;
}

export function createLoginThrottle(pool: pg.Pool, options: LoginThrottleOptions = {}): LoginThrottle {
  const perAccount = options.perAccount ?? 5;
  const perAddress = options.perAddress ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const accountKey = (account: string) => `u:${account.toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;
  const seconds = (count: Count, at: number) => Math.max(1, Math.ceil((count.ends_ms - at) / 1000));

  return {
    async attempt(account, address) {
      const at = now();
      const key = accountKey(account);
      // This attempt is counted with the failures before it: the limit's worth of them go ahead.
      const mine = (await pool.query<Count>(COUNT, [key, at, windowMs])).rows[0]!;
      const theirs = (await pool.query<Count>(READ, [addressKey(address), at])).rows[0];
      const wait = Math.max(
        mine.attempts > perAccount ? seconds(mine, at) : 0,
        theirs !== undefined && theirs.attempts >= perAddress ? seconds(theirs, at) : 0,
      );
      if (wait > 0) await pool.query(UNCOUNT, [key]);
      else await pool.query(FORGET, [at - windowMs]);
      return wait;
    },
    async failed(address) {
      await pool.query(COUNT, [addressKey(address), now(), windowMs]);
    },
    async succeeded(account) {
      await pool.query('DELETE FROM login_attempts WHERE key = $1', [accountKey(account)]);
    },
  };
}
