import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { recordFigure } from '../../../bench/reliability/record-figure.ts';
import { ExpositionParseError } from './exposition-parse-error.ts';
import type { ExpositionFormat } from './exposition.ts';
import { parseExposition } from './parse-exposition.ts';

// Hostile scrape bodies: whatever a target sends, the parser either answers an exposition or throws
// its typed ExpositionParseError (which fails that one scrape); never another error, never a hang.
const RUNS = Number(process.env.SEXTANT_FUZZ_RUNS ?? 2_000);
const FORMATS: ExpositionFormat[] = ['text', 'openmetrics'];
const NODE = readFileSync(path.join(import.meta.dirname, '../testdata/text/node-exporter-1.5.prom'), 'utf8');
let tried = 0;

function parsesOrRefuses(body: string, format: ExpositionFormat): void {
  tried++;
  try {
    const parsed = parseExposition(body, format);
    expect(Array.isArray(parsed.samples)).toBe(true);
  } catch (err) {
    if (!(err instanceof ExpositionParseError)) throw new Error(`${format}: ${JSON.stringify(body.slice(0, 200))} threw ${String(err)}`, { cause: err });
    expect(err.code).toBe('EXPOSITION_PARSE');
    // `line` is documented 1-based; an empty OpenMetrics body is refused as 'line 0: missing "# EOF"'.
    expect(err.line).toBeGreaterThanOrEqual(body === '' ? 0 : 1);
  }
}

// Characters that mean something to either format, made frequent.
const syntax = fc.constantFrom('#', ' ', '\t', '\n', '{', '}', '"', '\\', '=', ',', 'a', '_', ':', '1', '.', 'e', '+', '-', 'NaN', 'Inf', 'HELP', 'TYPE', 'EOF', 'le', '\u0000', '☃');
const lines = NODE.split('\n');
// A real node_exporter body with a few lines cut, duplicated, swapped or garbled in place.
const mutated = fc
  .array(
    fc.record({ at: fc.nat({ max: lines.length - 1 }), op: fc.constantFrom('drop', 'dup', 'garble', 'truncate', 'swap'), junk: fc.string({ unit: syntax, maxLength: 12 }), to: fc.nat({ max: lines.length - 1 }) }),
    { minLength: 1, maxLength: 6 },
  )
  .map((edits) => {
    const out = [...lines];
    for (const e of edits) {
      const line = out[e.at] ?? '';
      if (e.op === 'drop') out.splice(e.at, 1);
      else if (e.op === 'dup') out.splice(e.to, 0, line);
      else if (e.op === 'truncate') out[e.at] = line.slice(0, e.junk.length);
      else if (e.op === 'swap') [out[e.at], out[e.to]] = [out[e.to] ?? '', line];
      else {
        const cut = Math.min(e.to, line.length);
        out[e.at] = line.slice(0, cut) + e.junk + line.slice(cut);
      }
    }
    return out.join('\n');
  });

describe('exposition parser under hostile bodies', () => {
  afterAll(() => recordFigure({ suite: 'fuzz', name: 'exposition parser bodies', value: tried, unit: 'cases' }));

  it.each(FORMATS)('%s: random strings of syntax characters parse or are refused with a line number', (format) => {
    fc.assert(fc.property(fc.string({ unit: syntax, maxLength: 300 }), (body) => parsesOrRefuses(body, format)), { numRuns: RUNS });
  });

  it.each(FORMATS)('%s: arbitrary unicode and binary-ish bodies parse or are refused', (format) => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 400 })), (body) => parsesOrRefuses(body, format)), {
      numRuns: RUNS,
    });
  });

  it.each(FORMATS)('%s: a real node_exporter body with lines dropped, duplicated, swapped or garbled', (format) => {
    fc.assert(fc.property(mutated, (body) => parsesOrRefuses(body, format)), { numRuns: Math.ceil(RUNS / 4) });
  });

  it('huge label values, long lines and deep repetition stay linear (no catastrophic backtracking)', () => {
    const long = `m{a="${'\\"'.repeat(200_000)}"} 1\n`;
    const many = `${'# HELP m x\n'.repeat(50_000)}m 1\n`;
    const started = process.hrtime.bigint();
    for (const body of [long, many, `${'{'.repeat(100_000)}`, `m ${'9'.repeat(100_000)}\n`]) for (const format of FORMATS) parsesOrRefuses(body, format);
    // Generous: eight ~100 KB-2 MB bodies; a quadratic scan would take minutes.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(20);
  });
});
