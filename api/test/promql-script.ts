// Reader for Prometheus's promqltest scripts (`load`/`clear`/`eval`, see FORMAT.md in the test data).
import { durationMs, parseNumber } from '../src/promql/parse-literals.ts';

export type Labels = Record<string, string>;

/** A point of a series description: a value, a stale marker, or nothing at that step. */
export type Point = number | 'stale' | undefined;

export interface SeriesLine {
  labels: Labels;
  points: Point[];
  /** True when the line holds a native histogram (`{{…}}`), which this reader does not expand. */
  histogram: boolean;
}

export type Command =
  | { kind: 'load'; line: number; intervalMs: number; series: SeriesLine[] }
  | { kind: 'clear'; line: number }
  | {
      kind: 'eval';
      line: number;
      query: string;
      instant: boolean;
      atMs: number;
      startMs: number;
      endMs: number;
      stepMs: number;
      fail: boolean;
      failMessage?: string;
      ordered: boolean;
      expectString?: string;
      rangeVector?: { startMs: number; endMs: number; stepMs: number };
      /** A bare number line: the expected scalar. */
      scalar?: number;
      series: SeriesLine[];
      text: string;
    };

function timeMs(text: string): number {
  return durationMs(text) ?? Math.round(parseNumber(text) * 1000);
}

function parseValue(token: string): number {
  return parseNumber(token);
}

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf|NaN|nan)`;
const EXPANDING = new RegExp(`^(${NUM})([+-])(${NUM})x(\\d+)$`);
const REPEAT = new RegExp(`^(${NUM})x(\\d+)$`);

/** Expands a promtool series description (`1+2x3 _ stale _x2 5`) into points. */
export function expandPoints(tokens: string[]): Point[] {
  const out: Point[] = [];
  for (const tok of tokens) {
    if (tok === '_') out.push(undefined);
    else if (tok === 'stale') out.push('stale');
    else if (/^_x\d+$/.test(tok)) for (let i = 0; i < Number(tok.slice(2)); i++) out.push(undefined);
    else {
      const m = EXPANDING.exec(tok);
      const r = REPEAT.exec(tok);
      if (m !== null) {
        const start = parseValue(m[1]!);
        const delta = parseValue(m[3]!) * (m[2] === '-' ? -1 : 1);
        for (let i = 0; i <= Number(m[4]); i++) out.push(start + i * delta);
      } else if (r !== null) {
        for (let i = 0; i <= Number(r[2]); i++) out.push(parseValue(r[1]!));
      } else out.push(parseValue(tok));
    }
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** Splits `metric{a="b"} 1 2 3` into labels and the rest of the line. */
export function parseSeriesLine(line: string): SeriesLine {
  let i = 0;
  const labels: Labels = {};
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (name !== null && !/^(?:Inf|NaN|inf|nan|stale)\b/.test(line)) {
    labels.__name__ = name[0];
    i = name[0].length;
  }
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      let key: string;
      if (line[i] === '"') {
        const m = /^"((?:[^"\\]|\\.)*)"/.exec(line.slice(i))!;
        key = unescape(m[1]!);
        i += m[0].length;
      } else {
        const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
        if (m === null) throw new Error(`bad series line: ${line}`);
        key = m[0];
        i += m[0].length;
      }
      while (line[i] === ' ') i++;
      if (line[i] !== '=') {
        labels.__name__ = key;
        continue;
      }
      i++;
      while (line[i] === ' ') i++;
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(line.slice(i));
      if (m === null) throw new Error(`bad label value in: ${line}`);
      const value = unescape(m[1]!);
      if (value !== '') labels[key] = value;
      i += m[0].length;
    }
  }
  const rest = line.slice(i).trim();
  if (rest.includes('{{')) return { labels, points: [], histogram: true };
  return { labels, points: rest === '' ? [] : expandPoints(rest.split(/\s+/)), histogram: false };
}

/** Parses a whole script into commands, keeping each command's line number. */
export function parseScript(text: string): Command[] {
  const lines = text.split('\n');
  const out: Command[] = [];
  let i = 0;
  const body = (): { line: number; text: string }[] => {
    const got: { line: number; text: string }[] = [];
    while (i < lines.length) {
      const raw = lines[i]!;
      const t = raw.trim();
      if (t === '') break;
      if (!/^\s/.test(raw) && /^(load|clear|eval)/.test(t)) break;
      i++;
      if (t.startsWith('#')) continue;
      got.push({ line: i, text: t });
    }
    return got;
  };
  while (i < lines.length) {
    const t = lines[i]!.trim();
    const line = i + 1;
    i++;
    if (t === '' || t.startsWith('#')) continue;
    if (t === 'clear') {
      out.push({ kind: 'clear', line });
      continue;
    }
    const load = /^load(_with_nhcb)? (\S+)$/.exec(t);
    if (load !== null) {
      const series = body().map((b) => parseSeriesLine(b.text));
      out.push({ kind: 'load', line, intervalMs: timeMs(load[2]!), series: load[1] === undefined ? series : series.map((s) => ({ ...s, histogram: true })) });
      continue;
    }
    const ev = /^eval(_fail|_ordered|_warn|_info)? (instant at (\S+)|range from (\S+) to (\S+) step (\S+)) (.*)$/.exec(t);
    if (ev === null) throw new Error(`line ${line}: cannot read "${t}"`);
    const cmd: Command & { kind: 'eval' } = {
      kind: 'eval', line, query: ev[7]!, instant: ev[3] !== undefined, text: t,
      atMs: ev[3] === undefined ? 0 : timeMs(ev[3]),
      startMs: ev[4] === undefined ? 0 : timeMs(ev[4]),
      endMs: ev[5] === undefined ? 0 : timeMs(ev[5]),
      stepMs: ev[6] === undefined ? 0 : timeMs(ev[6]),
      fail: ev[1] === '_fail', ordered: ev[1] === '_ordered', series: [],
    };
    for (const b of body()) {
      const x = b.text;
      if (x.startsWith('expect ')) {
        const fail = /^expect fail(?: (msg|regex): ?(.*))?$/.exec(x);
        if (fail !== null) {
          cmd.fail = true;
          if (fail[1] === 'msg') cmd.failMessage = fail[2]!.replace(/^"(.*)"$/, '$1');
        } else if (x === 'expect ordered') cmd.ordered = true;
        else if (x.startsWith('expect string')) cmd.expectString = x.replace(/^expect string\s+/, '').replace(/^["`](.*)["`]$/, '$1');
        else if (x.startsWith('expect range vector')) {
          const m = /from (\S+) to (\S+) step (\S+)/.exec(x)!;
          cmd.rangeVector = { startMs: timeMs(m[1]!), endMs: timeMs(m[2]!), stepMs: timeMs(m[3]!) };
        }
        continue;
      }
      if (/^(?:[+-]?(?:\d|\.\d)|[+-]?(?:Inf|NaN|inf|nan)$)/.test(x) && !x.includes('{')) {
        cmd.scalar = parseValue(x.split(/\s+/)[0]!);
        continue;
      }
      cmd.series.push(parseSeriesLine(x));
    }
    out.push(cmd);
  }
  return out;
}
