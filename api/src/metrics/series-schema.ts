import { z } from 'zod';
import { parseDuration } from '@sextant/config';
import { parseTime } from './parse-time.ts';

const time = z
  .string()
  .meta({ description: 'RFC 3339 time, Unix seconds, or now-<duration> (e.g. now-6h)', examples: ['now-6h', '2026-03-10T12:00:00Z', '1773144000'] });

// A step in seconds: `300`, `300s`, `5m` (Prometheus duration syntax).
const step = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const seconds = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : (() => {
      try {
        return parseDuration(text) / 1000;
      } catch {
        return Number.NaN;
      }
    })();
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 366 * 86_400) {
      ctx.addIssue({ code: 'custom', message: `step must be a whole number of seconds from 1s to 366d, e.g. 60, 5m, 1h (got "${text}")` });
      return z.NEVER;
    }
    return seconds;
  })
  .meta({ description: 'bucket width: seconds or a duration (5m); raised when the range would need more than maxPoints buckets' });

/** Most points a series may have when the caller names no budget. */
export const DEFAULT_MAX_POINTS = 1000;
/** Prometheus's own cap on points per series. */
export const MAX_POINTS_LIMIT = 11_000;
const MAX_RANGE_MS = 5 * 366 * 86_400_000;

/** Query of `GET /api/servers/:id/metrics`; `from`/`to` resolve to epoch ms at parse time. */
export const seriesQuerySchema = z
  .object({
    from: time.optional().describe('start of the range; default now-1h'),
    to: time.optional().describe('end of the range; default now'),
    step: step.optional(),
    maxPoints: z.coerce.number().int().min(2).max(MAX_POINTS_LIMIT).default(DEFAULT_MAX_POINTS).describe('most points in the series'),
  })
  .transform((q, ctx) => {
    const now = Date.now();
    let fromMs = now - 3_600_000;
    let toMs = now;
    try {
      if (q.to !== undefined) toMs = parseTime(q.to, now);
      if (q.from !== undefined) fromMs = parseTime(q.from, now);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
    if (fromMs >= toMs) {
      ctx.addIssue({ code: 'custom', message: 'from must be before to' });
      return z.NEVER;
    }
    if (toMs - fromMs > MAX_RANGE_MS) {
      ctx.addIssue({ code: 'custom', message: 'the range may span at most 5 years' });
      return z.NEVER;
    }
    return { fromMs, toMs, stepSeconds: q.step, maxPoints: q.maxPoints };
  });
export type SeriesQueryInput = z.output<typeof seriesQuerySchema>;

/** One bucket: the mean over its snapshots; `samples` is how many there were. */
export const seriesPointSchema = z.object({
  timestamp: z.iso.datetime(),
  samples: z.number().int(),
  cpuUsage: z.number().nullable(),
  memoryUsage: z.number().nullable(),
  diskUsage: z.number().nullable(),
  load1: z.number().nullable(),
  netRxBps: z.number().nullable(),
  netTxBps: z.number().nullable(),
});

/** Answer of `GET /api/servers/:id/metrics`. */
export const seriesSchema = z.object({
  serverId: z.uuid(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  stepSeconds: z.number().int(),
  source: z.enum(['raw', 'rollup']).describe('raw snapshots, or the hourly rollup (with raw snapshots for hours not rolled up yet)'),
  maxPoints: z.number().int(),
  fields: z.array(z.string()),
  points: z.array(seriesPointSchema),
});
