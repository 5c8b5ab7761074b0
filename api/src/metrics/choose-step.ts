/** Where a series is read from: raw snapshots, or the hourly rollup `metrics_snapshots_1h`. */
export type SeriesSource = 'raw' | 'rollup';

export interface StepRequest {
  fromMs: number;
  toMs: number;
  /** Most points the series may have (≥ 2). */
  maxPoints: number;
  /** A step the caller asked for, in seconds; raised when it would exceed `maxPoints`. */
  stepSeconds?: number;
  /** Smallest step chosen when the caller names none, in seconds: the scrape interval, below which buckets are mostly empty. */
  minStepSeconds: number;
}

export interface StepChoice {
  stepSeconds: number;
  source: SeriesSource;
}

const HOUR = 3600;
const DAY = 86_400;
// Steps a chart's axis reads well at; the rollup serves every step that is a whole number of hours.
const LADDER = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/**
 * The step of a bucketed series and the table it is read from. Buckets are aligned to
 * `sextant_bucket`'s origin, so a range of `r` seconds touches at most `r / step + 1` of them: the
 * step is at least `r / (maxPoints - 1)`, which keeps every series within the budget. A step that
 * is a whole number of hours is read from the hourly rollup (the same averages, ~60× fewer rows).
 */
export function chooseStep(request: StepRequest): StepChoice {
  const rangeSeconds = Math.max(0, request.toMs - request.fromMs) / 1000;
  const needed = rangeSeconds / (request.maxPoints - 1);
  let step: number;
  if (request.stepSeconds !== undefined && request.stepSeconds >= needed) {
    step = request.stepSeconds;
  } else {
    const floor = Math.max(needed, request.stepSeconds ?? request.minStepSeconds);
    step = LADDER.find((s) => s >= floor) ?? Math.ceil(floor / DAY) * DAY;
  }
  return { stepSeconds: step, source: step % HOUR === 0 ? 'rollup' : 'raw' };
}
