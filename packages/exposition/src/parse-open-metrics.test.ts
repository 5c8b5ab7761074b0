import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedTestdata } from '@sextant/testkit/process';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from './exposition-parse-error.ts';
import { parseOpenMetrics } from './parse-open-metrics.ts';

// OpenObservability/OpenMetrics tests/testdata/parsers (compat §1.8, Appendix B): every case, none
// excepted. Prometheus 2.42 itself accepts many of the invalid ones (its parser checks the grammar,
// not the family rules); this parser follows the suite, so such bodies fail here as a whole.
const suite = sharedTestdata('openmetrics-parsers');
const cases = suite === undefined ? [] : readdirSync(suite, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

function load(name: string): { text: string; shouldParse: boolean } {
  const dir = path.join(suite!, name);
  const spec = JSON.parse(readFileSync(path.join(dir, 'test.json'), 'utf8')) as { file: string; shouldParse: boolean };
  return { text: readFileSync(path.join(dir, spec.file), 'utf8'), shouldParse: spec.shouldParse };
}

describe.skipIf(suite === undefined)('OpenMetrics parser test suite', () => {
  it('has all 211 cases (44 valid, 167 invalid)', () => {
    const all = cases.map(load);
    expect(all).toHaveLength(211);
    expect(all.filter((c) => c.shouldParse)).toHaveLength(44);
  });

  it.each(cases)('%s', (name) => {
    const { text, shouldParse } = load(name);
    if (shouldParse) expect(() => parseOpenMetrics(text)).not.toThrow();
    else expect(() => parseOpenMetrics(text)).toThrow(ExpositionParseError);
  });

  it('reads escapes in one pass, keeping unknown ones (escaping, label_escaping, help_escaping)', () => {
    const escaping = parseOpenMetrics(load('escaping').text);
    expect(escaping.families[0]!.help).toBe('he\n\\l\\tp');
    expect(escaping.samples.map((s) => s.labels.foo)).toEqual(['b"a\nr', 'b\\a\\z', 'b"a\nr # ', 'b\\a\\z # ']);
    const labels = parseOpenMetrics(load('label_escaping').text).samples.map((s) => s.labels.foo);
    expect(labels).toEqual(['foo', '\\foo', '\\foo', 'foo\\', '\\', '\n', '\\n', '\\\n', '"', '\\"']);
    const helps = parseOpenMetrics(load('help_escaping').text).families.map((f) => f.help);
    expect(helps).toEqual(['foo', '\\foo', '\\foo', 'foo\\', '\\', '\n', '\\n', '\\\n', '"', '\\"']);
  });

  it('converts second timestamps to milliseconds as Prometheus does, int64(s * 1000) (timestamps)', () => {
    const { samples } = parseOpenMetrics(load('timestamps').text);
    expect(samples.map((s) => s.timestampMs)).toEqual([0, 0, 1100, Math.trunc(Number('12345678901234567890.1234567890') * 1000), 1_500_000, 1_234_567_890_000]);
  });

  it('keeps label values containing "#" and reads exemplars after them (exemplars_with_hash_in_label_values)', () => {
    const { samples } = parseOpenMetrics(load('exemplars_with_hash_in_label_values').text);
    expect(samples[0]!.labels).toEqual({ __name__: 'a_bucket', le: '1.0', foo: 'bar # ' });
    expect(samples[0]!.exemplar).toEqual({ labels: { a: 'b', foo: 'bar # bar' }, value: 0.5, timestampMs: undefined });
    expect(samples[2]!.exemplar!.value).toBe(4);
  });

  it('keeps _created as an ordinary sample and reads UNIT (counter_unit; Prometheus 2.42 without created-timestamp ingestion)', () => {
    const { families, samples } = parseOpenMetrics(load('counter_unit').text);
    expect(families).toEqual([{ name: 'cc_seconds', type: 'counter', help: 'A counter', unit: 'seconds' }]);
    expect(samples.map((s) => [s.name, s.family, s.value])).toEqual([
      ['cc_seconds_total', 'cc_seconds', 1],
      ['cc_seconds_created', 'cc_seconds', 123.456],
    ]);
  });
});

describe('parseOpenMetrics', () => {
  it('reports the line of the first problem', () => {
    const err = (() => {
      try {
        parseOpenMetrics('# TYPE a gauge\na 1\n\n# EOF\n');
      } catch (e) {
        return e as ExpositionParseError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ExpositionParseError);
    expect(err).toMatchObject({ code: 'EXPOSITION_PARSE', line: 3 });
    expect(err!.message).toMatch(/blank line/);
  });

  it('rejects an empty body and a body without # EOF', () => {
    expect(() => parseOpenMetrics('')).toThrow(/EOF/);
    expect(() => parseOpenMetrics('a 1\n')).toThrow(/EOF/);
  });

  it('accepts a counter declared under its sample name, as client_golang < 1.12 wrote it and Prometheus reads it', () => {
    const { samples } = parseOpenMetrics('# TYPE x_total counter\nx_total 1 # {a="b"} 1\nx_total_created 2\n# EOF\n');
    expect(samples.map((s) => [s.name, s.family])).toEqual([['x_total', 'x_total'], ['x_total_created', 'x_total']]);
    expect(() => parseOpenMetrics('# TYPE x_total counter\nx_total -1\n# EOF\n')).toThrow(/negative/);
  });

  it('drops empty label values only when asked', () => {
    const text = '# TYPE a gauge\na{x="",y="1"} 1\n# EOF\n';
    expect(parseOpenMetrics(text).samples[0]!.labels).toEqual({ __name__: 'a', x: '', y: '1' });
    expect(parseOpenMetrics(text, { dropEmptyLabelValues: true }).samples[0]!.labels).toEqual({ __name__: 'a', y: '1' });
  });
});
