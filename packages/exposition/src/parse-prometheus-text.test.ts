import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from './exposition-parse-error.ts';
import { parsePrometheusText } from './parse-prometheus-text.ts';

const testdata = path.join(import.meta.dirname, '../testdata/text');
const fixture = (name: string): string => readFileSync(path.join(testdata, name), 'utf8');
const rows = (text: string, options = {}): [Record<string, string>, number, number | undefined][] =>
  parsePrometheusText(text, options).samples.map((s) => [s.labels, s.value, s.timestampMs]);

describe('parsePrometheusText', () => {
  it("reads Prometheus's own TestPromParse input (promparse.prom) as Prometheus does", () => {
    const { families, samples } = parsePrometheusText(fixture('promparse.prom'));
    const gc = { __name__: 'go_gc_duration_seconds' };
    expect(samples.map((s) => [s.labels, s.value, s.timestampMs])).toEqual([
      [{ ...gc, quantile: '0' }, 4.9351e-5, undefined],
      [{ ...gc, quantile: '0.25' }, 7.424100000000001e-5, undefined],
      [{ ...gc, quantile: '0.5', a: 'b' }, 8.3835e-5, undefined],
      [{ ...gc, quantile: '0.8', a: 'b' }, 8.3835e-5, undefined],
      [{ ...gc, quantile: '0.9', a: 'b' }, 8.3835e-5, undefined],
      [{ __name__: 'wind_speed', A: '2', c: '3' }, 12345, undefined],
      [{ ...gc, quantile: '1.0', a: 'b' }, 8.3835e-5, undefined],
      [{ ...gc, quantile: '1.0', a: 'b' }, 8.3835e-5, undefined],
      [{ ...gc, quantile: '1.0', a: 'b' }, 8.3835e-5, undefined],
      [{ ...gc, quantile: '1.0', a: 'b' }, 8.3835e-5, undefined],
      [{ __name__: 'go_gc_duration_seconds_count' }, 99, undefined],
      [{ __name__: 'some:aggregate:rate5m', a_b: 'c' }, 1, undefined],
      [{ __name__: 'go_goroutines' }, 33, 123123],
      [{ __name__: '_metric_starting_with_underscore' }, 1, undefined],
      [{ __name__: 'testmetric', _label_starting_with_underscore: 'foo' }, 1, undefined],
      [{ __name__: 'testmetric', label: '"bar"' }, 1, undefined],
      [{ __name__: 'null_byte_metric', a: 'abc\u0000' }, 1, undefined],
    ]);
    expect(families).toEqual([
      { name: 'go_gc_duration_seconds', type: 'summary', help: 'A summary of the GC invocation durations.', unit: '' },
      { name: 'nohelp1', type: 'untyped', help: '', unit: '' },
      { name: 'nohelp2', type: 'untyped', help: '', unit: '' },
      { name: 'go_goroutines', type: 'gauge', help: 'Number of goroutines that currently exist.', unit: '' },
      { name: 'metric', type: 'untyped', help: 'foo\u0000bar', unit: '' },
    ]);
    expect(samples.filter((s) => s.family === 'go_gc_duration_seconds').map((s) => s.name)).toContain('go_gc_duration_seconds_count');
  });

  it('reads the remaining edge cases of compat §1.5 (edge-cases.prom)', () => {
    const { families, samples } = parsePrometheusText(fixture('edge-cases.prom'));
    expect(families[0]).toEqual({
      name: 'escapes',
      type: 'gauge',
      help: 'Help with a backslash \\ and a newline \n and an unknown \\t escape and a quote \\".',
      unit: '',
    });
    const by = (name: string): [Record<string, string>, number, number | undefined][] =>
      samples.filter((s) => s.name === name).map((s) => [s.labels, s.value, s.timestampMs]);
    expect(by('escapes').map(([l]) => l.v)).toEqual(['\\n', '\\\n', 'a"b', 'unknown \\t kept', 'unicode ☃ 雪']);
    expect(by('hashes').map(([l]) => l)).toEqual([
      { __name__: 'hashes', foo: '} foo # bar # ' },
      { __name__: 'hashes', foo: 'b{a}z', bar: '# {x="y"} 1' },
    ]);
    expect(by('missing_comma')).toEqual([[{ __name__: 'missing_comma', quantile: '2.0', a: 'b' }, 2 - 1, undefined]]);
    expect(Object.fromEntries(by('numbers').map(([l, v]) => [l.n, v]))).toEqual({
      'leading zeros': 0.12,
      uint64: 9223372036854775808,
      NaN: Number.NaN,
      nan: Number.NaN,
      '+Inf': Infinity,
      '-Inf': -Infinity,
      Infinity: Infinity,
      '-infinity': -Infinity,
      inf: Infinity,
      dot: 0.5,
      'trailing dot': 5,
      exponent: -1500,
      'negative zero': -0,
      tiny: 5e-324,
    });
    expect(by('timestamps').map(([, , t]) => t)).toEqual([-1000, 0, 5]);
    // Prometheus 2.x keeps `le` and `quantile` as written (3.x would rewrite "1" to "1.0").
    expect(by('h_bucket').map(([l]) => l.le)).toEqual(['1', '1e+06', '+Inf']);
    expect(samples.filter((s) => s.family === 'h').map((s) => s.name)).toEqual(['h_bucket', 'h_bucket', 'h_bucket', 'h_sum', 'h_count']);
    expect(by('s').map(([l]) => l.quantile)).toEqual(['0', '0.5']);
    expect(by('empty_value')).toEqual([[{ __name__: 'empty_value', a: '', b: 'x' }, 1, undefined]]);
    // The same series twice is passed on as written; the scraper decides (Prometheus keeps the first).
    expect(by('duplicate_series').map(([, v]) => v)).toEqual([1, 2]);
    const [proto] = by('constructor');
    expect(Object.entries(proto![0])).toEqual([['__name__', 'constructor'], ['constructor', 'c'], ['toString', 't'], ['__proto__', 'p']]);
    expect(Object.getPrototypeOf(proto![0])).toBe(Object.prototype);
    expect(by('no_trailing_newline')).toEqual([[{ __name__: 'no_trailing_newline' }, 7, undefined]]);
  });

  it('does not take an escaped value for a repeat of the previous line (values are compared in place)', () => {
    const text = 'm{a="x\\\\"} 1\nm{a="x\\"} 2"} 2\nm{a="x\\"} 2"} 3\nm{a="x"} 4\n';
    expect(rows(text).map(([l, v]) => [l.a, v])).toEqual([['x\\', 1], ['x"} 2', 2], ['x"} 2', 3], ['x', 4]]);
  });

  it('tells apart names, label names and values of the same length as on the previous line (compared in place)', () => {
    const text = [
      '# HELP aa x',
      '# TYPE ab gauge',
      'ab{ka="v1",kb="w1"} 1',
      'ac{ka="v1",kc="w1"} 2',
      'ac{ka="v2",kc="w1"} 3',
      '# TYPE ad counter',
      'ad_total{kd="v2"} 4',
      '',
    ].join('\n');
    const { samples, families } = parsePrometheusText(text);
    expect(samples.map((s) => [s.family, s.labels, s.value])).toEqual([
      ['ab', { __name__: 'ab', ka: 'v1', kb: 'w1' }, 1],
      ['ac', { __name__: 'ac', ka: 'v1', kc: 'w1' }, 2],
      ['ac', { __name__: 'ac', ka: 'v2', kc: 'w1' }, 3],
      ['ad', { __name__: 'ad_total', kd: 'v2' }, 4],
    ]);
    expect(families.map((f) => [f.name, f.type, f.help])).toEqual([
      ['aa', 'untyped', 'x'],
      ['ab', 'gauge', ''],
      ['ad', 'counter', ''],
    ]);
  });

  it('drops empty label values when asked, as Prometheus stores series', () => {
    expect(rows('m{a="",b="x"} 1\n', { dropEmptyLabelValues: true })).toEqual([[{ __name__: 'm', b: 'x' }, 1, undefined]]);
  });

  it('reads a real node_exporter 1.5 scrape, every sample line', () => {
    const text = fixture('node-exporter-1.5.prom');
    const { families, samples } = parsePrometheusText(text);
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toHaveLength(sampleLines.length);
    expect(families).toHaveLength(text.split('\n').filter((l) => l.startsWith('# TYPE ')).length);
    for (const s of samples) expect(s.labels.__name__).toBe(s.name);
  });

  it('reads a body decoded from a buffer of several MB (an external string, copied into the heap) like a small one', () => {
    const line = (k: number): string => `node_cpu_seconds_total{cpu="${k % 4}",instance="host-${k}:9100",mode="idle"} ${k}.5\n`;
    const lines = Array.from({ length: 40_000 }, (_, k) => line(k));
    const body = Buffer.from(`# TYPE node_cpu_seconds_total counter\n${lines.join('')}`).toString('utf8');
    expect(body.length).toBeGreaterThan(2 ** 21);
    const { samples } = parsePrometheusText(body);
    expect(samples).toHaveLength(40_000);
    expect(samples[39_999]).toEqual({
      name: 'node_cpu_seconds_total',
      family: 'node_cpu_seconds_total',
      labels: { __name__: 'node_cpu_seconds_total', cpu: '3', instance: 'host-39999:9100', mode: 'idle' },
      value: 39_999.5,
      timestampMs: undefined,
      exemplar: undefined,
    });
    expect(() => parsePrometheusText(`${body}bad{ 1\n`)).toThrow(expect.objectContaining({ line: 40_002 }));
  });

  it('rejects escapes other than \\\\, \\" and \\n only with strictEscapes, as expfmt does', () => {
    expect(rows('m{a="\\t"} 1\n')[0]![0].a).toBe('\\t');
    expect(() => parsePrometheusText('m{a="\\t"} 1\n', { strictEscapes: true })).toThrow(/escape/);
    expect(() => parsePrometheusText('# HELP m \\"x\n', { strictEscapes: true })).toThrow(/escape/);
  });

  const invalid = readdirSync(path.join(testdata, 'invalid')).sort();
  it.each(invalid)('rejects invalid/%s with its line number', (name) => {
    const text = `ok 1\n${fixture(path.join('invalid', name))}`;
    let error: unknown;
    try {
      parsePrometheusText(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpositionParseError);
    const { line } = error as ExpositionParseError;
    expect(line).toBeGreaterThanOrEqual(2);
    expect(line).toBeLessThanOrEqual(text.split('\n').length);
  });
});
