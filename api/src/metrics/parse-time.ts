import { parseDuration } from '@sextant/config';

const RELATIVE = /^now(?:([+-])(.+))?$/;

/**
 * Reads a point in time the way dashboards write it: RFC 3339 / ISO 8601 (`2026-03-10T12:00:00Z`),
 * Unix seconds with an optional fraction (`1773144000.5`, as Prometheus's API takes it), or relative
 * to `now` (`now`, `now-6h`, `now-1d12h`, Prometheus duration syntax). Returns epoch milliseconds;
 * throws `RangeError` naming the input when it is none of these.
 */
export function parseTime(text: string, now: number): number {
  const trimmed = text.trim();
  const relative = RELATIVE.exec(trimmed);
  if (relative !== null) {
    if (relative[1] === undefined) return now;
    const ms = parseDuration(relative[2]!);
    return relative[1] === '-' ? now - ms : now + ms;
  }
  if (/^-?\d+(?:\.\d+)?$/.test(trimmed)) {
    const ms = Math.round(Number(trimmed) * 1000);
    if (Number.isSafeInteger(ms)) return ms;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new RangeError(`not a time: "${text}" (expected RFC 3339, Unix seconds or now-<duration>)`);
}
