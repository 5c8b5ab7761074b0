// A reader for Prometheus text format 0.0.4 (compat §1.2) that behaves like Go's expfmt.TextParser,
// which node_exporter's textfile collector uses: same family assignment for `_sum`/`_count`/`_bucket`,
// same errors. Used for textfile `.prom` files; it is not a scrape parser (no OpenMetrics).

export type ParsedType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

/** One series. `value` for counter/gauge/untyped; `count`, `sum` and `buckets`/`quantiles` for the others. */
export interface ParsedMetric {
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
  count: number;
  sum: number;
  /** Upper bound (histogram `le`) or quantile → value, in file order. */
  points: Map<number, number>;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: ParsedType;
  metrics: ParsedMetric[];
}

/** A line the text format does not allow; `line` is 1-based. */
export class ExpositionParseError extends Error {
  readonly code = 'EXPOSITION_PARSE';
  readonly line: number;
  constructor(line: number, message: string) {
    super(`text format parsing error in line ${line}: ${message}`);
    this.line = line;
  }
}

const TYPES = new Set<string>(['counter', 'gauge', 'untyped', 'histogram', 'summary']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const BLANKS = /^[ \t]*/;
// Go strconv.ParseFloat: decimal or hex floats, Inf/Infinity/NaN in any case, optional sign.
const FLOAT = /^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+(\.[0-9a-fA-F]*)?([pP][+-]?\d+)?|inf|infinity|nan)$/i;
const INT = /^[+-]?\d+$/;

function parseFloatGo(text: string): number | undefined {
  if (!FLOAT.test(text)) return undefined;
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower.endsWith('nan')) return Number.NaN;
  return Number(text);
}

/** Undoes `\\`, `\n` and (in label values) `\"` in one left-to-right pass; any other escape is an error. */
function unescape(text: string, quote: boolean): string | undefined {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === '"' && quote) out += '"';
    else return undefined;
  }
  return out;
}

function stripSuffix(name: string, suffixes: readonly string[]): string | undefined {
  for (const s of suffixes) if (name.endsWith(s)) return name.slice(0, -s.length);
  return undefined;
}

/** Parses a whole text 0.0.4 exposition into families (empty families dropped); throws ExpositionParseError. */
export function parseTextExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily & { typed: boolean }>();
  // Histogram and summary series are one metric per label set, across lines.
  const grouped = new Map<string, ParsedMetric>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();

  const getFamily = (name: string): ParsedFamily & { typed: boolean } => {
    let fam = families.get(name);
    if (fam === undefined) {
      fam = { name, help: undefined, type: 'untyped', typed: false, metrics: [] };
      families.set(name, fam);
    }
    return fam;
  };

  lines.forEach((raw, index) => {
    const n = index + 1;
    const fail = (message: string): never => {
      throw new ExpositionParseError(n, message);
    };
    let rest = raw.replace(BLANKS, '');
    if (rest === '') return;

    if (rest.startsWith('#')) {
      rest = rest.slice(1).replace(BLANKS, '');
      const keyword = /^\S*/.exec(rest)![0];
      if (keyword !== 'HELP' && keyword !== 'TYPE') return;
      rest = rest.slice(keyword.length).replace(BLANKS, '');
      const name = METRIC_NAME.exec(rest)?.[0];
      if (name === undefined) return fail(`invalid metric name in comment`);
      rest = rest.slice(name.length);
      if (rest !== '' && !/^[ \t]/.test(rest)) fail(`invalid metric name in comment`);
      rest = rest.replace(BLANKS, '');
      const fam = getFamily(name);
      if (keyword === 'HELP') {
        if (fam.help !== undefined) fail(`second HELP line for metric name "${name}"`);
        fam.help = unescape(rest, false) ?? fail('invalid escape sequence in HELP');
      } else {
        const type = rest.trimEnd().toLowerCase();
        if (!TYPES.has(type)) fail(`unknown metric type "${rest.trimEnd()}"`);
        if (fam.typed || fam.metrics.length > 0) {
          fail(`second TYPE line for metric name "${name}", or TYPE reported after samples`);
        }
        fam.type = type as ParsedType;
        fam.typed = true;
      }
      return;
    }

    const name = METRIC_NAME.exec(rest)?.[0] ?? fail('invalid metric name');
    rest = rest.slice(name.length).replace(BLANKS, '');
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      for (let guard = 0; ; guard++) {
        if (guard > 10_000) fail('too many labels');
        rest = rest.replace(BLANKS, '');
        if (rest.startsWith('}')) break;
        const label = LABEL_NAME.exec(rest)?.[0] ?? fail(`invalid label name for metric "${name}"`);
        rest = rest.slice(label.length).replace(BLANKS, '');
        if (!rest.startsWith('=')) fail(`expected '=' after label name "${label}"`);
        rest = rest.slice(1).replace(BLANKS, '');
        if (!rest.startsWith('"')) fail(`expected '"' at start of label value`);
        const m = /^"((?:[^"\\]|\\.)*)"/.exec(rest) ?? fail('unterminated label value');
        if (label === '__name__' || Object.hasOwn(labels, label)) fail(`duplicate or reserved label name "${label}"`);
        labels[label] = unescape(m[1]!, true) ?? fail('invalid escape sequence in label value');
        rest = rest.slice(m[0].length).replace(BLANKS, '');
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) fail(`unexpected character after label value`);
      }
      rest = rest.slice(1).replace(BLANKS, '');
    }
    const [valueText = '', tsText, extra] = rest.trim().split(/[ \t]+/);
    if (extra !== undefined) fail('spurious string after timestamp');
    const value = parseFloatGo(valueText) ?? fail(`expected float as value, got "${valueText}"`);
    if (tsText !== undefined && !INT.test(tsText)) fail(`expected integer as timestamp, got "${tsText}"`);
    const timestampMs = tsText === undefined ? undefined : Number(tsText);

    // expfmt: the exact name first, then `x_sum`/`x_count` of summary x, then `x_bucket`/… of histogram x.
    let fam = families.get(name);
    let part: 'value' | 'sum' | 'count' | 'point' = 'value';
    if (fam === undefined) {
      const summary = families.get(stripSuffix(name, ['_sum', '_count']) ?? '');
      const histogram = families.get(stripSuffix(name, ['_sum', '_count', '_bucket']) ?? '');
      if (summary?.type === 'summary') fam = summary;
      else if (histogram?.type === 'histogram') fam = histogram;
      fam ??= getFamily(name);
      if (fam.name !== name) part = name.endsWith('_sum') ? 'sum' : name.endsWith('_count') ? 'count' : 'point';
    }
    fam.typed = true;

    if (fam.type !== 'histogram' && fam.type !== 'summary') {
      fam.metrics.push({ labels, value, timestampMs, count: 0, sum: 0, points: new Map() });
      return;
    }
    const special = fam.type === 'histogram' ? 'le' : 'quantile';
    let point: number | undefined;
    if (Object.hasOwn(labels, special)) {
      point = parseFloatGo(labels[special]!) ?? fail(`expected float as value for '${special}' label`);
      delete labels[special];
    }
    if (fam.type === 'summary' && part === 'value') part = 'point';
    const key = `${fam.name}\u0000${Object.keys(labels).sort().map((k) => `${k}\u0001${labels[k]}`).join('\u0002')}`;
    let metric = grouped.get(key);
    if (metric === undefined) {
      metric = { labels, value: 0, count: 0, sum: 0, points: new Map() };
      grouped.set(key, metric);
      fam.metrics.push(metric);
    }
    if (timestampMs !== undefined) metric.timestampMs = timestampMs;
    // Go stores counts as uint64, truncating.
    if (part === 'count') metric.count = Math.trunc(value);
    else if (part === 'sum') metric.sum = value;
    else if (part === 'point' && point !== undefined) {
      metric.points.set(point, fam.type === 'histogram' ? Math.trunc(value) : value);
    }
  });

  const out = new Map<string, ParsedFamily>();
  for (const fam of families.values()) {
    if (fam.metrics.length > 0) out.set(fam.name, { name: fam.name, help: fam.help, type: fam.type, metrics: fam.metrics });
  }
  return out;
}
