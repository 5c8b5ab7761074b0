import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoFloat, parseGoFloat, parseGoInt } from './go-float.ts';

const parse = (text: string): number | undefined => parseGoFloat(text, 0, text.length);

describe('parseGoFloat', () => {
  it('reads every float64 back from its Go %g text bit for bit', () => {
    fc.assert(
      fc.property(fc.double(), (v) => {
        expect(Object.is(parse(formatGoFloat(v)), v)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the correctly rounded Number() on decimal text, including the fast path', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{1,20}$/), fc.option(fc.stringMatching(/^\d{0,20}$/)), fc.option(fc.integer({ min: -330, max: 330 })))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`);
    fc.assert(
      fc.property(decimal, (text) => {
        const expected = Number(text);
        expect(parse(text)).toBe(Number.isFinite(expected) ? expected : undefined);
      }),
      { numRuns: 5000 },
    );
  });

  it.each(['0', '-0', '+0', '-000', '7', '-7', '999999999', '-999999999', '1000000000', '-1000000000', '1.5e1', '10e-1', '2.607032e+06'])(
    'reads %j as Number() does, -0 included (integers take a shorter path)',
    (text) => expect(parse(text)).toBe(Number(text)),
  );

  it.each(['', '+', '-', '.', 'e5', '1e', '1e+', '1_2', '0x1', '0x1p-3', '0b1', '0o1', '+NaN', '-nan', 'infinit', '1 ', ' 1', '1..2', '1e400'])(
    'rejects %j',
    (text) => expect(parse(text)).toBeUndefined(),
  );
});

describe('parseGoInt', () => {
  it('accepts int64 and refuses one past it', () => {
    expect(parseGoInt('9223372036854775807', 0, 19)).toBe(Number('9223372036854775807'));
    expect(parseGoInt('-9223372036854775808', 0, 20)).toBe(-Number('9223372036854775808'));
    expect(parseGoInt('9223372036854775808', 0, 19)).toBeUndefined();
    expect(parseGoInt('-9223372036854775809', 0, 20)).toBeUndefined();
    expect(parseGoInt('12a', 0, 3)).toBeUndefined();
  });
});
