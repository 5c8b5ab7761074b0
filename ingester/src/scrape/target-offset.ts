import { createHash } from 'node:crypto';

/**
 * Where in each interval a target is scraped, in ms from the interval's start: a stable hash of
 * the target (and of this ingester's `seed`), so targets spread over the interval and keep their
 * slot across restarts, like Prometheus's `scrapeLoop` offset (`scrape/target.go` `offset`).
 */
export function targetOffsetMs(key: string, intervalMs: number, seed = ''): number {
  const digest = createHash('sha256').update(seed).update('\0').update(key).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(Math.max(1, Math.round(intervalMs))));
}

/** Milliseconds from `nowMs` until the next time whose position in the interval is `offsetMs`. */
export function delayUntilSlot(nowMs: number, intervalMs: number, offsetMs: number): number {
  return (((offsetMs - (nowMs % intervalMs)) % intervalMs) + intervalMs) % intervalMs;
}
