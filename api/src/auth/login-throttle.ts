import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { withTransaction } from '@sextant/storage';

/** Limits of the login throttle; defaults in `createLoginThrottle`. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per account within `windowMs`; default 5. */
  perAccount?: number;
  /** Failed logins allowed per client address within `windowMs`; default 20. */
  perAddress?: number;
  /** Length of the window, in ms; default 15 minutes. */
  windowMs?: number;
  /** How long an attempt waits for the checks ahead of it on the same account before it is refused; default 3 s. */
  queueMs?: number;
  now?: () => number;
}

/** What `guard` answers: the seconds to wait when the login was refused, else what the check found. */
export type Guarded<T> = { retryAfter: number } | { found: T | null };

/**
 * Counts failed logins per account and per client address in PostgreSQL (`login_attempts`), so
 * every API process shares the counts and a restart forgets none of them. Logins go through
 * `guard`; the steps it is made of are exposed for tests. Every `attempt` that goes ahead must end
 * in `failed`, `succeeded` or `abandoned`.
 */
export interface LoginThrottle {
  /**
   * One login at `account` from `address`: refused while the throttle says so, else `check` runs
   * (it looks the user up and verifies the password) and its answer counts: null is a failure, a
   * value a success, a throw (storage trouble) neither.
   */
  guard<T>(account: string, address: string, check: () => Promise<T | null>): Promise<Guarded<T>>;
  /**
   * Answers 0 when a login at `account` from `address` may check its password now, or the seconds
   * to wait when the account's or the address's failures reached their limit. Checks in flight on
   * the account count with its failures, so parallel guesses get no more tries than sequential
   * ones: an attempt that would pass the limit only if those fail waits for them (up to `queueMs`).
   */
  attempt(account: string, address: string): Promise<number>;
  /** The password was wrong: a failure of the account and of the address. */
  failed(account: string, address: string): Promise<void>;
  /** The login succeeded: the account's failures are cleared. */
  succeeded(account: string): Promise<void>;
  /** The check could not be made (e.g. storage trouble): it no longer counts. */
  abandoned(account: string): Promise<void>;
}

const ADDRESS_FAILURES = `
  SELECT failures, (extract(epoch FROM window_ends) * 1000)::float8 AS ends_ms
  FROM login_attempts WHERE key = $1 AND window_ends > to_timestamp($2::float8 / 1000)`;

// A failure of a key in its window; a key whose window ended starts a new one.
const FAIL = `
  INSERT INTO login_attempts (key, failures, window_ends) VALUES ($1, 1, to_timestamp(($2::float8 + $3) / 1000))
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN 1 ELSE login_attempts.failures + 1 END,
    window_ends = CASE WHEN login_attempts.window_ends <= to_timestamp($2::float8 / 1000) THEN EXCLUDED.window_ends ELSE login_attempts.window_ends END`;

// Keys whose window ended a window ago, a bounded batch per login; rows being used are skipped.
const FORGET = `
  DELETE FROM login_attempts WHERE key IN (
    SELECT key FROM login_attempts WHERE window_ends < to_timestamp($1::float8 / 1000) AND pending = 0 LIMIT 100 FOR UPDATE SKIP LOCKED)`;

type Reservation = { kind: 'go' } | { kind: 'refused'; endsMs: number } | { kind: 'busy' };

const QUEUE_POLL_MS = 50;

/** An address as the throttle keys it: IPv4 clients of a dual-stack listener without their `::ffff:` prefix. */
function throttleAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function createLoginThrottle(pool: pg.Pool, options: LoginThrottleOptions = {}): LoginThrottle {
  const perAccount = options.perAccount ?? 5;
  const perAddress = options.perAddress ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const queueMs = options.queueMs ?? 3000;
  const now = options.now ?? Date.now;
  const accountKey = (account: string) => `u:${account.toLowerCase()}`;
  const addressKey = (address: string) => `a:${throttleAddress(address)}`;
  const seconds = (endsMs: number, at: number) => Math.max(1, Math.ceil((endsMs - at) / 1000));

  // One transaction on the account's row: reset an ended window, then refuse, wait, or count this check in.
  const reserve = (key: string, at: number): Promise<Reservation> =>
    withTransaction(pool, async (client) => {
      await client.query(`INSERT INTO login_attempts (key, window_ends) VALUES ($1, to_timestamp(($2::float8 + $3) / 1000)) ON CONFLICT (key) DO NOTHING`, [key, at, windowMs]);
      const row = (await client.query<{ failures: number; pending: number; ends_ms: number }>(
        `SELECT failures, pending, (extract(epoch FROM window_ends) * 1000)::float8 AS ends_ms FROM login_attempts WHERE key = $1 FOR UPDATE`, [key],
      )).rows[0]!;
      const ended = row.ends_ms <= at;
      const failures = ended ? 0 : row.failures;
      const endsMs = ended ? at + windowMs : row.ends_ms;
      let result: Reservation;
      if (failures >= perAccount) result = { kind: 'refused', endsMs };
      else if (failures + row.pending >= perAccount) result = { kind: 'busy' };
      else result = { kind: 'go' };
      if (ended || result.kind === 'go') {
        await client.query('UPDATE login_attempts SET failures = $2, pending = pending + $3, window_ends = to_timestamp($4::float8 / 1000) WHERE key = $1', [
          key, failures, result.kind === 'go' ? 1 : 0, endsMs,
        ]);
      }
      return result;
    });

  const throttle: LoginThrottle = {
    async guard(account, address, check) {
      const wait = await throttle.attempt(account, address);
      if (wait > 0) return { retryAfter: wait };
      let found;
      try {
        found = await check();
      } catch (err) {
        await throttle.abandoned(account).catch(() => undefined);
        throw err;
      }
      if (found === null) await throttle.failed(account, address);
      else await throttle.succeeded(account);
      return { found };
    },
    async attempt(account, address) {
      const started = now();
      const byAddress = (await pool.query<{ failures: number; ends_ms: number }>(ADDRESS_FAILURES, [addressKey(address), started])).rows[0];
      if (byAddress !== undefined && byAddress.failures >= perAddress) return seconds(byAddress.ends_ms, started);
      // Time in the queue is real time, whatever clock the windows are counted by.
      const queued = performance.now();
      const key = accountKey(account);
      for (;;) {
        const at = now();
        const reservation = await reserve(key, at);
        if (reservation.kind === 'refused') return seconds(reservation.endsMs, at);
        if (reservation.kind === 'go') {
          await pool.query(FORGET, [at - windowMs]);
          return 0;
        }
        // Checks ahead of this one decide: their failures refuse it, their success lets it go.
        if (performance.now() - queued >= queueMs) return 1;
        await delay(QUEUE_POLL_MS);
      }
    },
    async failed(account, address) {
      const at = now();
      await pool.query('UPDATE login_attempts SET failures = failures + 1, pending = greatest(pending - 1, 0) WHERE key = $1', [accountKey(account)]);
      await pool.query(FAIL, [addressKey(address), at, windowMs]);
    },
    async succeeded(account) {
      const key = accountKey(account);
      await pool.query('UPDATE login_attempts SET failures = 0, pending = greatest(pending - 1, 0) WHERE key = $1', [key]);
      await pool.query('DELETE FROM login_attempts WHERE key = $1 AND failures = 0 AND pending = 0', [key]);
    },
    async abandoned(account) {
      await pool.query('UPDATE login_attempts SET pending = greatest(pending - 1, 0) WHERE key = $1', [accountKey(account)]);
    },
  };
  return throttle;
}
