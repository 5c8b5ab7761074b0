import { z } from 'zod';

// Prometheus duration syntax (`model.ParseDuration`): one or more `<int><unit>` pairs, units from
// largest to smallest, e.g. `90s`, `1h30m`, `15d`, `400d`. `0` alone is allowed.
const UNIT_MS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Parses a Prometheus duration into milliseconds; throws `RangeError` naming the bad input. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  let total = 0;
  let last = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== start) throw new RangeError(`not a duration: "${text}" (expected e.g. 60s, 1h30m, 15d)`);
    const unit = m[2] as (typeof ORDER)[number];
    const rank = ORDER.indexOf(unit);
    if (rank <= last) throw new RangeError(`not a duration: "${text}" (units must go from largest to smallest, once each)`);
    last = rank;
    total += Number(m[1]) * UNIT_MS[unit];
  }
  if (text.length === 0) throw new RangeError('not a duration: empty string');
  return total;
}

/** Formats milliseconds the way Prometheus prints durations (`1h30m`, `15d`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ORDER) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** zod schema for a Prometheus duration string; the parsed value is milliseconds. */
export const duration = z.string().trim().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Like `duration`, but 0 is refused: for intervals, timeouts and retention, where 0 means a bug. */
export const positiveDuration = duration.refine((ms) => ms > 0, { message: 'must be longer than 0' });
