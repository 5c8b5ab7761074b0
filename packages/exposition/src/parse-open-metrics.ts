import type { Exemplar, Exposition, ExpositionFamily, ExpositionSample, Labels, MetricType, ParseOptions } from './exposition.ts';
import { familySuffixes, hasFamilySuffix } from './family-suffixes.ts';
import { parseGoFloat } from './go-float.ts';
import { LineScanner, regionEquals } from './line-scanner.ts';
import { scanLabelName, scanMetricName } from './names.ts';
import { checkHistogram, checkSample, groupKey, sampleSuffix } from './open-metrics-rules.ts';
import { addLabel, setLabel } from './set-label.ts';
import { unescape } from './unescape.ts';

const OM_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown']);
// OpenMetrics: exemplar label names and values together at most 128 UTF-8 code points.
const EXEMPLAR_MAX_CODE_POINTS = 128;
const UNIT_CHAR = /^[a-zA-Z0-9_:]*$/;

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * `# TYPE x_total counter` with samples `x_total`: how Go's client_golang wrote counters in
 * OpenMetrics before 1.12 (and text 0.0.4 names them). Not in the OpenMetrics ABNF, accepted by
 * Prometheus, and not among the suite's invalid cases, so accepted here as the counter's total.
 */
function isTextStyleCounter(name: string, family: string, type: MetricType | undefined): boolean {
  return type === 'counter' && name === family && name.endsWith('_total');
}

/** Prometheus's OpenMetrics timestamp conversion: `int64(seconds * 1000)`, truncating. */
function secondsToMs(seconds: number): number {
  return Math.trunc(seconds * 1000);
}

/**
 * Parser for OpenMetrics 1.0 text (compat §1.3, §1.4): the ABNF exactly (single spaces, no blank
 * lines, no comments, `# EOF` last), plus the family rules the OpenMetrics parser test suite checks
 * (grouping, metadata order, name clashes, counter/histogram/summary/stateset/info values, exemplar
 * placement and size, increasing timestamps within a metric point).
 */
class OpenMetricsParser extends LineScanner {
  readonly samples: ExpositionSample[] = [];
  readonly families: ExpositionFamily[] = [];
  private readonly dropEmpty: boolean;
  /** Every sample name claimed by a finished family, to reject clashes and interleaving. */
  private readonly claimed = new Set<string>();
  private eof = false;
  // The family being read.
  private name: string | undefined;
  private type: MetricType | undefined;
  private help: string | undefined;
  private unit: string | undefined;
  private declared: ExpositionFamily | undefined;
  private from = 0;
  private group: string | undefined;
  private groupSeconds: number | undefined;
  private groups = new Set<string>();
  private readonly recentLabelNames: string[] = [];
  private lastName = '';
  private inFamily: string | undefined;
  /** `sampleSuffix` of `inFamily`. */
  private suffix = '';
  private readonly recentLabelValues: (string | undefined)[] = [];
  /** Where each of those values is written in the input, compared in place of the strings. */
  private readonly recentLabelValueAt: number[] = [];

  constructor(input: string, options: ParseOptions) {
    super(input, options.strictEscapes ?? false);
    this.dropEmpty = options.dropEmptyLabelValues ?? false;
  }

  parse(): Exposition {
    if (this.length === 0) this.fail('missing "# EOF"');
    const s = this.s;
    while (this.nextLine()) {
      if (this.eof) this.fail('text after "# EOF"');
      this.pos = this.lineStart;
      if (this.lineStart === this.eol) this.fail('blank line');
      if (s.charCodeAt(this.lineStart) === 35) {
        if (this.eol - this.lineStart === 5 && s.startsWith('# EOF', this.lineStart)) this.eof = true;
        else this.metadata();
      } else this.sample();
    }
    if (!this.eof) this.fail('missing "# EOF" at the end');
    this.finishFamily();
    return { families: this.families, samples: this.samples };
  }

  private startFamily(name: string, type: MetricType | undefined): void {
    this.finishFamily();
    this.name = name;
    this.type = type;
    this.help = undefined;
    this.unit = undefined;
    this.declared = undefined;
    this.from = this.samples.length;
    this.group = undefined;
    this.groupSeconds = undefined;
    this.groups = new Set();
    this.inFamily = undefined;
  }

  private finishFamily(): void {
    const name = this.name;
    if (name === undefined) return;
    const type = this.type ?? 'unknown';
    for (const suffix of new Set([...familySuffixes(type), ''])) {
      if (this.claimed.has(name + suffix)) this.fail(`metric family "${name}" clashes with "${name + suffix}" of an earlier family, or is not grouped`);
      this.claimed.add(name + suffix);
    }
    if (this.unit !== undefined && this.unit !== '') {
      if (!name.endsWith(`_${this.unit}`)) this.fail(`metric family "${name}" does not end in its unit "_${this.unit}"`);
      if (type === 'info' || type === 'stateset') this.fail(`metric family "${name}" of type ${type} cannot have a unit`);
    }
    if (type === 'histogram' || type === 'gaugehistogram') {
      const problem = checkHistogram(this.samples, this.from, name, type);
      if (problem !== undefined) this.fail(problem);
    }
    this.name = undefined;
  }

  /** `# HELP|TYPE|UNIT <name> <text>`: exactly one space each, text possibly empty. */
  private metadata(): void {
    const s = this.s;
    const start = this.lineStart;
    const keyword = s.slice(start, start + 7);
    if (keyword !== '# HELP ' && keyword !== '# TYPE ' && keyword !== '# UNIT ') this.fail(`invalid metadata line ${this.excerpt()}`);
    const nameStart = start + 7;
    const nameEnd = scanMetricName(s, nameStart, this.eol);
    if (nameEnd === nameStart || nameEnd >= this.eol || s.charCodeAt(nameEnd) !== 32) {
      this.fail(`expected "<metric name> <text>" after ${keyword.trim()}: ${this.excerpt()}`);
    }
    const name = s.slice(nameStart, nameEnd);
    const text = s.slice(nameEnd + 1, this.eol);
    if (name === this.name) {
      if (this.samples.length > this.from) this.fail(`metadata for "${name}" after its samples`);
    } else this.startFamily(name, undefined);
    if (this.declared === undefined) {
      this.declared = { name, type: 'unknown', help: '', unit: '' };
      this.families.push(this.declared);
    }
    if (keyword === '# HELP ') {
      if (this.help !== undefined) this.fail(`second HELP for "${name}"`);
      this.help =
        this.nextBackslash(nameEnd + 1) >= this.eol
          ? text
          : (unescape(s, nameEnd + 1, this.eol, true, this.strictEscapes) ?? this.fail('invalid escape sequence in HELP'));
      this.declared.help = this.help;
    } else if (keyword === '# TYPE ') {
      if (this.type !== undefined) this.fail(`second TYPE for "${name}"`);
      if (!OM_TYPES.has(text)) this.fail(`invalid metric type "${text}"`);
      this.type = text as MetricType;
      this.declared.type = this.type;
    } else {
      if (this.unit !== undefined) this.fail(`second UNIT for "${name}"`);
      if (!UNIT_CHAR.test(text)) this.fail(`invalid unit "${text}"`);
      this.unit = text;
      this.declared.unit = text;
    }
  }

  /** `{` label *(`,` label) `}` with `pos` on the `{`; no blanks, no trailing comma. */
  private labels(labels: Labels, recent: string[] | undefined): void {
    const s = this.s;
    this.pos++;
    if (s.charCodeAt(this.pos) === 125 && this.pos < this.eol) {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      const nameStart = this.pos;
      let labelName = recent?.[index];
      let nameEnd = labelName === undefined ? nameStart : nameStart + labelName.length;
      if (labelName === undefined || s.charCodeAt(nameEnd) !== 61 || !regionEquals(s, nameStart, labelName)) {
        nameEnd = scanLabelName(s, nameStart, this.eol);
        if (nameEnd === nameStart) this.fail(`expected a label name in ${this.excerpt()}`);
        labelName = s.slice(nameStart, nameEnd);
        if (recent !== undefined) recent[index] = labelName;
      }
      if (s.charCodeAt(nameEnd) !== 61 || nameEnd + 1 >= this.eol || s.charCodeAt(nameEnd + 1) !== 34) {
        this.fail(`expected ="<value>" after label name "${labelName}"`);
      }
      this.pos = nameEnd + 2;
      const value = this.readQuoted(recent === undefined ? undefined : this.recentLabelValues, this.recentLabelValueAt, index);
      const added = recent === undefined ? setLabel(labels, labelName, value, false) : addLabel(labels, recent, index, labelName, value, this.dropEmpty);
      if (!added) this.fail(`duplicate label name "${labelName}"`);
      const c = this.pos < this.eol ? s.charCodeAt(this.pos) : -1;
      this.pos++;
      if (c === 125) return;
      if (c !== 44) this.fail(`expected "," or "}" after the value of label "${labelName}"`);
    }
  }

  /** A number token running to the next space or the end of the line. */
  private number(what: string, timestamp: boolean): number {
    const s = this.s;
    const start = this.pos;
    const eol = this.eol;
    let end = start;
    while (end < eol && s.charCodeAt(end) !== 32) end++;
    this.pos = end;
    const value = parseGoFloat(s, start, end);
    if (value === undefined || (timestamp && !Number.isFinite(value))) this.fail(`invalid ${what} "${s.slice(start, end)}"`);
    return value;
  }

  /** ` # {labels} value [timestamp]` with `pos` on the `#`. */
  private exemplar(): Exemplar {
    const s = this.s;
    if (s.charCodeAt(this.pos + 1) !== 32 || s.charCodeAt(this.pos + 2) !== 123 || this.pos + 2 >= this.eol) {
      this.fail(`expected "# {" to start an exemplar in ${this.excerpt()}`);
    }
    this.pos += 2;
    const labels: Labels = {};
    this.labels(labels, undefined);
    let size = 0;
    for (const [k, v] of Object.entries(labels)) size += codePoints(k) + codePoints(v);
    if (size > EXEMPLAR_MAX_CODE_POINTS) this.fail(`exemplar labels longer than ${EXEMPLAR_MAX_CODE_POINTS} characters`);
    if (s.charCodeAt(this.pos) !== 32 || this.pos >= this.eol) this.fail('expected a space before the exemplar value');
    this.pos++;
    const value = this.number('exemplar value', false);
    let timestampMs: number | undefined;
    if (this.pos < this.eol) {
      this.pos++;
      timestampMs = secondsToMs(this.number('exemplar timestamp', true));
      if (this.pos < this.eol) this.fail(`unexpected text after the exemplar in ${this.excerpt()}`);
    }
    return { labels, value, timestampMs };
  }

  private sample(): void {
    const s = this.s;
    const start = this.lineStart;
    // Lines mostly repeat the previous name: compare it in place first (no scan, no new string).
    let name = this.lastName;
    let nameEnd = start + name.length;
    const after = s.charCodeAt(nameEnd);
    if (name === '' || (after !== 123 && after !== 32) || nameEnd >= this.eol || !regionEquals(s, start, name)) {
      nameEnd = scanMetricName(s, start, this.eol);
      if (nameEnd === start) this.fail(`invalid metric name at the start of ${this.excerpt()}`);
      name = s.slice(start, nameEnd);
      this.lastName = name;
    }
    // Built from `{}`: room for four properties in the object itself (see the text parser).
    const labels: Labels = {};
    labels.__name__ = name;
    this.pos = nameEnd;
    let rawLabels = '';
    if (s.charCodeAt(this.pos) === 123 && this.pos < this.eol) {
      this.labels(labels, this.recentLabelNames);
      rawLabels = s.slice(nameEnd + 1, this.pos - 1);
    }
    if (s.charCodeAt(this.pos) !== 32 || this.pos >= this.eol) this.fail(`expected a space and a value in ${this.excerpt()}`);
    this.pos++;
    const value = this.number('value', false);
    let seconds: number | undefined;
    let exemplar: Exemplar | undefined;
    if (this.pos < this.eol) {
      this.pos++;
      if (s.charCodeAt(this.pos) !== 35) {
        seconds = this.number('timestamp', true);
        if (this.pos < this.eol) this.pos++;
      }
      if (this.pos < this.eol || s.charCodeAt(this.pos - 1) === 32) {
        if (s.charCodeAt(this.pos) !== 35 || this.pos >= this.eol) this.fail(`unexpected text after the value in ${this.excerpt()}`);
        exemplar = this.exemplar();
      }
    }
    // `inFamily` is the last name seen to belong to the current family: the same string, no re-check.
    if (name !== this.inFamily) {
      if (this.name === undefined || !(hasFamilySuffix(name, this.name, this.type ?? 'unknown') || isTextStyleCounter(name, this.name, this.type))) {
        this.startFamily(name, 'unknown');
      }
      this.inFamily = name;
      this.suffix = sampleSuffix(name, this.name!, this.type ?? 'unknown');
    }
    const family = this.name!;
    const type = this.type ?? 'unknown';
    const sample: ExpositionSample = { name, family, labels, value, timestampMs: seconds === undefined ? undefined : secondsToMs(seconds), exemplar };
    const problem = checkSample(sample, family, type, this.suffix);
    if (problem !== undefined) this.fail(`${problem}: ${this.excerpt()}`);
    // Where no label tells a point's parts apart, the labels as written identify the point. (Written
    // in another order they count as another point: this can only let an interleaving through.)
    const plain = type !== 'summary' && type !== 'histogram' && type !== 'gaugehistogram' && type !== 'stateset' && type !== 'info';
    this.checkGroup(plain ? rawLabels : groupKey(sample, family, type), type, seconds);
    this.samples.push(sample);
  }

  /** Metric points not interleaved; within one, timestamps all present or all absent and not decreasing. */
  private checkGroup(key: string, type: MetricType, seconds: number | undefined): void {
    if (key === this.group) {
      if ((seconds === undefined) !== (this.groupSeconds === undefined)) this.fail(`timestamps on some samples of a metric point but not all: ${this.excerpt()}`);
      if (seconds !== undefined && this.groupSeconds! > seconds && type !== 'info') this.fail(`timestamp went backwards: ${this.excerpt()}`);
    } else {
      if (this.groups.has(key)) this.fail(`samples of one metric point are not grouped together: ${this.excerpt()}`);
      this.groups.add(key);
      this.group = key;
    }
    this.groupSeconds = seconds;
  }
}

/** Parses an OpenMetrics 1.0 body; throws ExpositionParseError at the first violation. */
export function parseOpenMetrics(input: string, options: ParseOptions = {}): Exposition {
  return new OpenMetricsParser(input, options).parse();
}
