import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseStep } from './choose-step.ts';

const ORIGIN = Date.UTC(2000, 0, 3);
// Buckets of `step` seconds (aligned to sextant_bucket's origin) that [from, to] touches.
const bucketsTouched = (fromMs: number, toMs: number, step: number) =>
  Math.floor((toMs - ORIGIN) / (step * 1000)) - Math.floor((fromMs - ORIGIN) / (step * 1000)) + 1;

describe('chooseStep', () => {
  it('never lets a series touch more buckets than the budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: 1, max: 5 * 366 * 86_400_000 }),
        fc.integer({ min: 2, max: 11_000 }),
        fc.option(fc.integer({ min: 1, max: 366 * 86_400 }), { nil: undefined }),
        (fromMs, rangeMs, maxPoints, stepSeconds) => {
          const choice = chooseStep({ fromMs, toMs: fromMs + rangeMs, maxPoints, minStepSeconds: 60, ...(stepSeconds === undefined ? {} : { stepSeconds }) });
          expect(bucketsTouched(fromMs, fromMs + rangeMs, choice.stepSeconds)).toBeLessThanOrEqual(maxPoints);
          expect(Number.isInteger(choice.stepSeconds)).toBe(true);
        },
      ),
    );
  });

  it('keeps a step the caller asked for when it fits the budget', () => {
    expect(chooseStep({ fromMs: 0, toMs: 3_600_000, maxPoints: 1000, stepSeconds: 7, minStepSeconds: 60 })).toEqual({ stepSeconds: 7, source: 'raw' });
  });

  it('raises a step that would exceed the budget to the next step on the ladder', () => {
    // 30 days in at most 1000 points needs ≥ 2594.6 s: one hour, read from the rollup.
    expect(chooseStep({ fromMs: 0, toMs: 30 * 86_400_000, maxPoints: 1000, stepSeconds: 60, minStepSeconds: 60 })).toEqual({ stepSeconds: 3600, source: 'rollup' });
  });

  it('reads raw snapshots below an hour and the rollup at whole hours', () => {
    const at = (days: number) => chooseStep({ fromMs: 0, toMs: days * 86_400_000, maxPoints: 500, minStepSeconds: 60 });
    expect(at(1)).toEqual({ stepSeconds: 300, source: 'raw' });
    expect(at(7)).toEqual({ stepSeconds: 1800, source: 'raw' });
    expect(at(30)).toEqual({ stepSeconds: 7200, source: 'rollup' });
    expect(at(365)).toEqual({ stepSeconds: 86_400, source: 'rollup' });
  });

  it('does not go below the scrape interval unless asked to', () => {
    expect(chooseStep({ fromMs: 0, toMs: 600_000, maxPoints: 1000, minStepSeconds: 60 }).stepSeconds).toBe(60);
    expect(chooseStep({ fromMs: 0, toMs: 600_000, maxPoints: 1000, minStepSeconds: 60, stepSeconds: 10 }).stepSeconds).toBe(10);
  });
});
