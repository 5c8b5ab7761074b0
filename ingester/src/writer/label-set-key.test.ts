import { describe, expect, it } from 'vitest';
import { labelSetKey, seriesColumns } from './label-set-key.ts';

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

describe('seriesColumns', () => {
  it('splits off __name__ and keeps the other labels, __proto__ included, as sorted JSON', () => {
    const labels = Object.fromEntries([['__name__', 'm'], ['z', '1'], ['__proto__', 'p'], ['a', '2']]) as Record<string, string>;
    expect(seriesColumns(labels)).toEqual({ metricName: 'm', labelsJson: '{"__proto__":"p","a":"2","z":"1"}' });
  });
});
