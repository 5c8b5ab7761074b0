import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Exemplar, Exposition, ExpositionFamily, ExpositionFormat, ExpositionSample, Labels } from './exposition.ts';
import { formatGoFloat } from './go-float.ts';
import { parseExposition } from './parse-exposition.ts';
import { renderExposition } from './render-exposition.ts';

// Label values and HELP text: anything, with the characters that need escaping (and NUL, `#`,
// braces, unicode beyond the BMP) made frequent.
const tricky = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('\\', '"', '\n', 'n', '#', '{', '}', ',', '=', ' ', '\t', '\u0000', 'é', '☃', '𝄞') }),
);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((n) => n !== '__name__');
const metricBase = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/);
const labelSet = fc.dictionary(labelName, tricky, { maxKeys: 4 });
const anyValue = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e21, 5e-324));
const timestamp = fc.option(fc.integer({ min: -1e13, max: 1e13 }), { nil: undefined });
const exemplar: fc.Arbitrary<Exemplar | undefined> = fc.option(
  fc.record({
    labels: fc.dictionary(labelName, fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    value: anyValue,
    timestampMs: timestamp,
  }),
  { nil: undefined },
);

interface FamilyShape {
  base: string;
  kind: 'gauge' | 'counter' | 'unknown';
  help: string;
  unit: string;
  series: { labels: Labels; value: number; timestampMs: number | undefined; exemplar: Exemplar | undefined }[];
}

const family: fc.Arbitrary<FamilyShape> = fc.record({
  base: metricBase,
  kind: fc.constantFrom('gauge', 'counter', 'unknown'),
  help: tricky,
  unit: fc.constantFrom('', 'seconds', 'bytes'),
  series: fc.uniqueArray(fc.record({ labels: labelSet, value: anyValue, timestampMs: timestamp, exemplar }), {
    maxLength: 4,
    selector: (s) => JSON.stringify(Object.entries(s.labels).sort()),
  }),
});

/** The model the parser must give back for these families in this format. */
function model(shapes: FamilyShape[], format: ExpositionFormat): Exposition {
  const families: ExpositionFamily[] = [];
  const samples: ExpositionSample[] = [];
  shapes.forEach((shape, i) => {
    // The index keeps family names distinct and never ending in a type suffix (no OpenMetrics clashes).
    const unit = format === 'openmetrics' ? shape.unit : '';
    const name = `${shape.base}_${i}${unit === '' ? '' : `_${unit}`}`;
    const type = shape.kind === 'unknown' ? (format === 'text' ? 'untyped' : 'unknown') : shape.kind;
    families.push({ name, type, help: shape.help, unit });
    const sampleName = format === 'openmetrics' && shape.kind === 'counter' ? `${name}_total` : name;
    for (const s of shape.series) {
      const counter = shape.kind === 'counter';
      samples.push({
        name: sampleName,
        family: name,
        labels: { __name__: sampleName, ...s.labels },
        value: counter && format === 'openmetrics' ? Math.abs(Number.isNaN(s.value) ? 0 : s.value) : s.value,
        timestampMs: s.timestampMs,
        exemplar: counter && format === 'openmetrics' ? s.exemplar : undefined,
      });
    }
  });
  return { families, samples };
}

// Histograms and summaries: one point per label set, parts in order, values that OpenMetrics allows.
const pointLabels = fc.dictionary(labelName.filter((n) => n !== 'le' && n !== 'quantile'), tricky, { maxKeys: 3 });
interface PointShape {
  labels: Labels;
  bounds: number[];
  increments: number[];
  sum: number;
  timestampMs: number | undefined;
}
interface HistogramShape {
  base: string;
  kind: 'histogram' | 'summary';
  help: string;
  points: PointShape[];
}

const histogram: fc.Arbitrary<HistogramShape> = fc.record({
  base: metricBase,
  kind: fc.constantFrom('histogram', 'summary'),
  help: tricky,
  points: fc.uniqueArray(
    fc.record({
      labels: pointLabels,
      bounds: fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }), { maxLength: 4 }),
      increments: fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }),
      sum: fc.double({ min: 0, noNaN: true }),
      timestampMs: timestamp,
    }),
    { maxLength: 3, selector: (p) => JSON.stringify(Object.entries(p.labels).sort()) },
  ),
});

function histogramModel(shapes: HistogramShape[]): Exposition {
  const families: ExpositionFamily[] = [];
  const samples: ExpositionSample[] = [];
  shapes.forEach((shape, i) => {
    const name = `${shape.base}_h${i}`;
    families.push({ name, type: shape.kind, help: shape.help, unit: '' });
    const add = (suffix: string, labels: Labels, value: number, timestampMs: number | undefined): void => {
      samples.push({ name: name + suffix, family: name, labels: { __name__: name + suffix, ...labels }, value, timestampMs, exemplar: undefined });
    };
    for (const p of shape.points) {
      // `b + 0` folds -0 into 0: both would be one bucket bound.
      const bounds = [...new Set(p.bounds.map((b) => b + 0))].sort((a, b) => a - b);
      let cumulative = 0;
      if (shape.kind === 'histogram') {
        [...bounds, Infinity].forEach((b, k) => {
          cumulative += p.increments[k] ?? 0;
          add('_bucket', { ...p.labels, le: formatGoFloat(b) }, cumulative, p.timestampMs);
        });
      } else {
        for (const q of new Set(bounds.map((b) => b / (1 + b)))) add('', { ...p.labels, quantile: formatGoFloat(q) }, p.sum, p.timestampMs);
        cumulative = p.increments[0]!;
      }
      add('_count', p.labels, cumulative, p.timestampMs);
      add('_sum', p.labels, p.sum, p.timestampMs);
    }
  });
  return { families, samples };
}

describe('renderExposition → parseExposition', () => {
  it.each(['text', 'openmetrics'] as const)('round-trips histograms and summaries (%s)', (format) => {
    fc.assert(
      fc.property(fc.array(histogram, { maxLength: 4 }), (shapes) => {
        const expected = histogramModel(shapes);
        expect(parseExposition(renderExposition(expected, format), format)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it.each(['text', 'openmetrics'] as const)('round-trips names, escaped unicode labels, HELP, special floats and timestamps (%s)', (format) => {
    fc.assert(
      fc.property(fc.array(family, { maxLength: 6 }), (shapes) => {
        const expected = model(shapes, format);
        const text = renderExposition(expected, format);
        expect(parseExposition(text, format)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('writes OpenMetrics timestamps as seconds that Prometheus truncates back to the same millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ms) => {
        const text = renderExposition({ families: [], samples: [{ name: 'a', family: 'a', labels: { __name__: 'a' }, value: 1, timestampMs: ms, exemplar: undefined }] }, 'openmetrics');
        const seconds = Number(text.split('\n')[0]!.split(' ')[2]);
        expect(Math.trunc(seconds * 1000)).toBe(ms);
      }),
    );
  });

  it.each(['text', 'openmetrics'] as const)('renders a parsed node_exporter scrape to a body that parses to the same model (%s)', (format) => {
    const scrape = readFileSync(path.join(import.meta.dirname, '../testdata/text/node-exporter-1.5.prom'), 'utf8');
    const parsed = parseExposition(scrape, 'text');
    const again = parseExposition(renderExposition(parsed, format), format);
    expect(again.samples.map((s) => [s.labels, s.value])).toEqual(parsed.samples.map((s) => [s.labels, s.value]));
    expect(again.families.map((f) => [f.name, f.help])).toEqual(parsed.families.map((f) => [f.name, f.help]));
  });
});
