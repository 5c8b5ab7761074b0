import { describe, expect, it } from 'vitest';
import { observe } from './alert-state.ts';
import type { Condition, Track } from './alert-state.ts';

const run = (rule: Condition, values: [number, number | undefined][]): Track => {
  const track: Track = { initial: undefined, open: undefined, closed: [] };
  for (const [t, v] of values) observe(track, t, v, rule);
  return track;
};

describe('observe', () => {
  const rule: Condition = { operator: '>', threshold: 90, clearThreshold: 80, forMs: 30_000 };

  it('holds pending exactly `for`, then fires', () => {
    expect(run(rule, [[0, 95], [29_999, 95]]).open).toMatchObject({ status: 'pending', startMs: 0 });
    expect(run(rule, [[0, 95], [30_000, 95]]).open).toMatchObject({ status: 'firing', startMs: 0, firedMs: 30_000 });
  });

  it('keeps one alert while a value flaps between the clear threshold and the threshold', () => {
    const values: [number, number][] = [];
    for (let i = 0; i < 20; i++) values.push([i * 10_000, i % 2 === 0 ? 91 : 85]);
    const track = run(rule, values);
    expect(track.closed).toEqual([]);
    expect(track.open).toMatchObject({ status: 'firing', startMs: 0, firedMs: 30_000 });
  });

  it('resolves at the clear threshold, and a pending alert that clears leaves nothing', () => {
    const track = run(rule, [[0, 95], [30_000, 95], [40_000, 80]]);
    expect(track.open).toBeUndefined();
    expect(track.closed).toEqual([{ id: undefined, startMs: 0, firedMs: 30_000, resolvedMs: 40_000, value: 80 }]);
    expect(run(rule, [[0, 95], [10_000, 70]])).toEqual({ initial: undefined, open: undefined, closed: [] });
  });

  it('fires at once with for 0 and treats missing data as cleared', () => {
    const track = run({ operator: '<=', threshold: 1, clearThreshold: null, forMs: 0 }, [[5, 1], [6, undefined]]);
    expect(track.closed).toEqual([{ id: undefined, startMs: 5, firedMs: 5, resolvedMs: 6, value: 1 }]);
  });
});
