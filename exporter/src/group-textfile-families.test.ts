import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from '@sextant/exposition';
import { groupTextfileFamilies } from './group-textfile-families.ts';

function only(text: string): ReturnType<typeof groupTextfileFamilies> extends Map<string, infer F> ? F : never {
  const fams = [...groupTextfileFamilies(text).values()];
  expect(fams).toHaveLength(1);
  return fams[0]!;
}

describe('groupTextfileFamilies', () => {
  it('reads HELP, TYPE, labels with escapes, spacing variants and special floats', () => {
    const fam = only(
      '# HELP m A \\\\ help\\nline\n# \tTYPE m gauge\n' +
        'm{ a = "x\\"y" , b="\\\\n",} +Inf\n' +
        '  m {c="#} # "}\t-1.5e3  \n' +
        'm{d="1"} nan\n',
    );
    expect(fam.help).toBe('A \\ help\nline');
    expect(fam.type).toBe('gauge');
    expect(fam.metrics.map((m) => [m.labels, m.value])).toEqual([
      [{ a: 'x"y', b: '\\n' }, Infinity],
      [{ c: '#} # ' }, -1500],
      [{ d: '1' }, Number.NaN],
    ]);
  });

  it('groups _bucket/_sum/_count of a histogram and quantiles of a summary per label set', () => {
    const fams = groupTextfileFamilies(
      '# TYPE h histogram\nh_bucket{x="1",le="0.5"} 1\nh_bucket{le="+Inf",x="1"} 3\nh_sum{x="1"} 2\nh_count{x="1"} 3\n' +
        '# TYPE s summary\ns{quantile="0.9"} 7\ns_sum 10\ns_count 4\n',
    );
    const h = fams.get('h')!.metrics;
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ labels: { x: '1' }, count: 3, sum: 2 });
    expect([...h[0]!.points]).toEqual([[0.5, 1], [Infinity, 3]]);
    const s = fams.get('s')!.metrics[0]!;
    expect([...s.points]).toEqual([[0.9, 7]]);
    expect(s).toMatchObject({ count: 4, sum: 10 });
  });

  it('assigns names like expfmt: a counter TYPE does not claim `<name>_total`, untyped by default', () => {
    const fams = groupTextfileFamilies('# TYPE c counter\nc_total 12\n# Hrandom comment\n#\nu 1 1700000000000\n');
    expect([...fams.keys()]).toEqual(['c_total', 'u']);
    expect(fams.get('c_total')!.type).toBe('untyped');
    expect(fams.get('u')!.metrics[0]!.timestampMs).toBe(1700000000000);
  });

  it.each([
    ['bad label name', 'm{1a="x"} 1\n'],
    ['unterminated label value', 'm{a="x} 1\n'],
    ['bad escape', 'm{a="\\t"} 1\n'],
    ['no value', 'm{a="x"}\n'],
    ['bad value', 'm 1x\n'],
    ['bad timestamp', 'm 1 1.5\n'],
    ['extra token', 'm 1 2 3\n'],
    ['second TYPE', '# TYPE m gauge\n# TYPE m counter\n'],
    ['TYPE after samples', 'm 1\n# TYPE m gauge\n'],
    ['second HELP', '# HELP m a\n# HELP m b\n'],
    ['unknown type', '# TYPE m gaugehistogram\n'],
    ['duplicate label', 'm{a="1",a="2"} 1\n'],
    ['bad le', '# TYPE h histogram\nh_bucket{le="x"} 1\n'],
  ])('rejects %s', (_, text) => {
    expect(() => groupTextfileFamilies(text)).toThrow(ExpositionParseError);
  });
});
