/** Limits of the login throttle; defaults in `createLoginThrottle`. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per account within `windowMs`; default 5. */
  perAccount?: number;
  /** Failed logins allowed per client address within `windowMs`; default 20. */
  perAddress?: number;
  /** Length of the window, in ms; default 15 minutes. */
  windowMs?: number;
  /** Most keys remembered; the oldest are forgotten past it. Default 100 000. */
  maxKeys?: number;
  now?: () => number;
}

/** Counts failed logins per account and per address; in memory, per API instance. */
export interface LoginThrottle {
  /** Seconds to wait before trying again, or 0 when a login attempt may go ahead. */
  retryAfter(account: string, address: string): number;
  failed(account: string, address: string): void;
  /** A successful login clears the account's count (not the address's). */
  succeeded(account: string): void;
}

export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const perAccount = options.perAccount ?? 5;
  const perAddress = options.perAddress ?? 20;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  // key → failures in the current window and when that window ends (fixed windows, bounded map).
  const counts = new Map<string, { failures: number; until: number }>();

  const live = (key: string) => {
    const entry = counts.get(key);
    if (entry !== undefined && entry.until <= now()) {
      counts.delete(key);
      return undefined;
    }
    return entry;
  };
  const wait = (key: string, limit: number) => {
    const entry = live(key);
    return entry !== undefined && entry.failures >= limit ? Math.max(1, Math.ceil((entry.until - now()) / 1000)) : 0;
  };
  const bump = (key: string) => {
    const entry = live(key);
    if (entry !== undefined) {
      entry.failures += 1;
      return;
    }
    if (counts.size >= maxKeys) counts.delete(counts.keys().next().value!);
    counts.set(key, { failures: 1, until: now() + windowMs });
  };
  const accountKey = (account: string) => `u:${account.toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;

  return {
    retryAfter: (account, address) => Math.max(wait(accountKey(account), perAccount), wait(addressKey(address), perAddress)),
    failed(account, address) {
      bump(accountKey(account));
      bump(addressKey(address));
    },
    succeeded(account) {
      counts.delete(accountKey(account));
    },
  };
}
