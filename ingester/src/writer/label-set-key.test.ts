import { describe, expect, it } from 'vitest';
import { labelSetKey, seriesRecord } from './label-set-key.ts';

describe('labelSetKey', () => {
  it('is the same for the same labels in any order', () => {
    expect(labelSetKey({ __name__: 'up', job: 'a', instance: 'b' })).toBe(labelSetKey({ instance: 'b', job: 'a', __name__: 'up' }));
  });

  it('differs whenever the labels differ, even where a naive join would collide', () => {
    const sets: Record<string, string>[] = [
      { a: 'b,c', d: 'e' },
      { a: 'b', 'c,d': 'e' },
      { a: 'b"', c: '' },
      { a: 'b', '"c': '' },
      { ab: 'c' },
      { a: 'bc' },
    ];
    const keys = sets.map((labels) => labelSetKey(labels));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('seriesRecord', () => {
  it('splits off __name__ and keeps the other labels, __proto__ and quotes included, as JSON', () => {
    const labels = Object.fromEntries([['__name__', 'm"x'], ['z', '1'], ['__proto__', 'p'], ['a', 'say "hi"\n']]) as Record<string, string>;
    expect(JSON.parse(seriesRecord(labels))).toEqual({ n: 'm"x', l: Object.fromEntries([['z', '1'], ['__proto__', 'p'], ['a', 'say "hi"\n']]) });
    expect(Object.hasOwn((JSON.parse(seriesRecord(labels)) as { l: object }).l, '__proto__')).toBe(true);
  });
});
