import type { Exposition, ExpositionFamily, ExpositionSample, Labels, MetricType, ParseOptions } from './exposition.ts';
import { hasFamilySuffix } from './family-suffixes.ts';
import { parseGoFloat, parseGoInt } from './go-float.ts';
import { LineScanner, regionEquals, regionsEqual } from './line-scanner.ts';
import { scanLabelName, scanMetricName } from './names.ts';
import { addLabel } from './set-label.ts';
import { unescape } from './unescape.ts';

const SUFFIXES = ['_total', '_created', '_count', '_sum', '_bucket'];
const TEXT_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

interface Declared {
  family: ExpositionFamily;
  /**
   * Where the name is written in the input: names are compared with that text, which reads faster
   * than a string sliced from it.
   */
  nameAt: number;
  hasHelp: boolean;
  hasType: boolean;
  /** Samples named exactly like the family were seen (a later TYPE is an error). */
  sampled: boolean;
}

/** The type word that is exactly s[start, end), compared in place (no new string to hash). */
function typeAt(s: string, start: number, end: number): MetricType | undefined {
  for (const type of TEXT_TYPES) if (type.length === end - start && regionEquals(s, start, type)) return type;
  return undefined;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Parser for Prometheus text format 0.0.4 (compat §1.2, edge cases §1.5) with the leniency of
 * Prometheus's own (`promparse.go`): blank lines, any `#` comment, blanks and a trailing or even a
 * missing comma inside braces, a last line without `\n`, unknown escapes kept as written.
 * Stricter than Prometheus where the format says "at most one" (as Go's expfmt and promtool are):
 * a second HELP or TYPE for a name, or a TYPE after that name's samples, is an error.
 */
class PrometheusTextParser extends LineScanner {
  readonly samples: ExpositionSample[] = [];
  readonly families: ExpositionFamily[] = [];
  private readonly declared = new Map<string, Declared>();
  /** Sample names seen that are not the name of the family declared just before them. */
  private readonly sampled = new Set<string>();
  private readonly dropEmpty: boolean;
  /** The family of the latest metadata line, which the following samples may belong to. */
  private current: Declared | undefined;
  private lastName = '';
  /** Where `lastName` is written in the input. */
  private lastNameAt = 0;
  private lastFamily = '';
  /** Set when metadata or a new name may change the family of the next sample. */
  private familyStale = true;
  /** Label names of the previous sample by position, reused instead of slicing equal names again. */
  private readonly recentLabelNames: string[] = [];
  private readonly recentLabelValues: (string | undefined)[] = [];
  /** Where each of those names and values is written in the input, compared in place of the strings. */
  private readonly recentLabelNameAt: number[] = [];
  private readonly recentLabelValueAt: number[] = [];

  constructor(input: string, options: ParseOptions) {
    super(input, options.strictEscapes ?? false);
    this.dropEmpty = options.dropEmptyLabelValues ?? false;
  }

  parse(): Exposition {
    const s = this.s;
    while (this.nextLine()) {
      let pos = this.lineStart;
      const eol = this.eol;
      while (pos < eol && isBlank(s.charCodeAt(pos))) pos++;
      if (pos === eol) continue;
      this.pos = pos;
      if (s.charCodeAt(pos) === 35) this.comment();
      else this.sample();
    }
    return { families: this.families, samples: this.samples };
  }

  private skipBlanks(): void {
    const s = this.s;
    while (this.pos < this.eol && isBlank(s.charCodeAt(this.pos))) this.pos++;
  }

  private comment(): void {
    const s = this.s;
    this.pos++;
    // `#[ \t]+(HELP|TYPE)[ \t]+` starts metadata; anything else (`#HELP`, `# Hrandom`) is a comment.
    if (this.pos >= this.eol || !isBlank(s.charCodeAt(this.pos))) return;
    this.skipBlanks();
    const keyword = s.startsWith('HELP', this.pos) ? 'HELP' : s.startsWith('TYPE', this.pos) ? 'TYPE' : undefined;
    if (keyword === undefined || this.pos + 4 >= this.eol || !isBlank(s.charCodeAt(this.pos + 4))) return;
    this.pos += 4;
    this.skipBlanks();
    // HELP and TYPE of one name come in pairs: the second finds the first without a scan or lookup.
    let declared = this.current;
    let nameEnd = this.pos;
    if (declared !== undefined) {
      nameEnd = this.pos + declared.family.name.length;
      const same = (nameEnd === this.eol || isBlank(s.charCodeAt(nameEnd))) && regionsEqual(s, this.pos, declared.nameAt, declared.family.name.length);
      if (!same) declared = undefined;
    }
    if (declared === undefined) {
      nameEnd = scanMetricName(s, this.pos, this.eol);
      if (nameEnd === this.pos) this.fail(`expected a metric name after # ${keyword}: ${this.excerpt()}`);
      if (nameEnd < this.eol && !isBlank(s.charCodeAt(nameEnd))) this.fail(`invalid metric name after # ${keyword}: ${this.excerpt()}`);
      declared = this.declareFamily(s.slice(this.pos, nameEnd), this.pos);
    }
    const { name } = declared.family;
    // One blank separates the name from the text, which runs to the end of the line (as promparse).
    const textStart = nameEnd < this.eol ? nameEnd + 1 : nameEnd;
    if (keyword === 'HELP') {
      if (declared.hasHelp) this.fail(`second HELP line for metric name "${name}"`);
      declared.hasHelp = true;
      declared.family.help =
        this.nextBackslash(textStart) >= this.eol
          ? s.slice(textStart, this.eol)
          : (unescape(s, textStart, this.eol, false, this.strictEscapes) ?? this.fail('invalid escape sequence in HELP'));
    } else {
      const type = typeAt(s, textStart, this.eol) ?? this.fail(`invalid metric type "${s.slice(textStart, this.eol)}"`);
      if (declared.hasType) this.fail(`second TYPE line for metric name "${name}"`);
      if (declared.sampled || this.sampled.has(name)) this.fail(`TYPE line for metric name "${name}" after its samples`);
      declared.hasType = true;
      declared.family.type = type;
    }
    this.current = declared;
    // The next sample resolves its family again, even under the same name as the last one.
    this.familyStale = true;
  }

  private declareFamily(name: string, nameAt: number): Declared {
    let declared = this.declared.get(name);
    if (declared === undefined) {
      const family: ExpositionFamily = { name, type: 'untyped', help: '', unit: '' };
      declared = { family, nameAt, hasHelp: false, hasType: false, sampled: false };
      this.declared.set(name, declared);
      this.families.push(family);
    }
    return declared;
  }

  /**
   * The family of a sample name that differs from the previous line's: the latest declared family
   * if the name is in it, else any declared family it is in, else the name itself.
   */
  private familyOf(name: string): string {
    const current = this.current;
    if (current !== undefined) {
      // The common case, a family's samples right after its HELP/TYPE: no lookups at all.
      if (name === current.family.name) {
        current.sampled = true;
        return name;
      }
      this.sampled.add(name);
      if (hasFamilySuffix(name, current.family.name, current.family.type)) return current.family.name;
    } else this.sampled.add(name);
    if (this.declared.has(name)) return name;
    for (const suffix of SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const declared = this.declared.get(base);
      if (declared !== undefined && hasFamilySuffix(name, base, declared.family.type)) return base;
    }
    return name;
  }

  // The two methods below keep the position in a local (the hot loop) and store it back for `fail`.
  private sample(): void {
    const s = this.s;
    const eol = this.eol;
    const start = this.pos;
    // Lines mostly repeat the previous name, or after metadata the family's: try that in place
    // first (no scan, no new string), then scan.
    const after = this.familyStale ? this.current : undefined;
    let name = after !== undefined ? after.family.name : this.lastName;
    const nameAt = after !== undefined ? after.nameAt : this.lastNameAt;
    let family = this.lastFamily;
    let pos = start + name.length;
    const c0 = pos < eol ? s.charCodeAt(pos) : 32;
    if (name === '' || (c0 !== 123 && c0 !== 32 && c0 !== 9) || !regionsEqual(s, start, nameAt, name.length)) {
      pos = scanMetricName(s, start, eol);
      if (pos === start) this.fail(`invalid metric name at the start of ${this.excerpt()}`);
      name = s.slice(start, pos);
      this.familyStale = true;
    }
    if (name !== this.lastName) {
      this.lastName = name;
      this.lastNameAt = start;
      this.familyStale = true;
    }
    if (this.familyStale) {
      family = this.familyOf(name);
      this.lastFamily = family;
      this.familyStale = false;
    }
    // Built from `{}`, which keeps its first four properties in the object itself: `{ __name__ }`
    // would keep one and put every label in a separate backing store.
    const labels: Labels = {};
    labels.__name__ = name;
    let c = s.charCodeAt(pos);
    while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
    if (pos < eol && c === 123) {
      pos = this.labels(labels, pos + 1);
      c = s.charCodeAt(pos);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
    }
    const valueStart = pos;
    while (pos < eol && c !== 32 && c !== 9) c = s.charCodeAt(++pos);
    this.pos = pos;
    if (valueStart === pos) this.fail(`expected a value after the metric in ${this.excerpt()}`);
    const value = parseGoFloat(s, valueStart, pos) ?? this.fail(`expected a number as value, got "${s.slice(valueStart, pos)}"`);
    while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
    let timestampMs: number | undefined;
    if (pos < eol) {
      const tsStart = pos;
      while (pos < eol && c !== 32 && c !== 9) c = s.charCodeAt(++pos);
      this.pos = pos;
      timestampMs = parseGoInt(s, tsStart, pos) ?? this.fail(`expected an integer timestamp in milliseconds, got "${s.slice(tsStart, pos)}"`);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
      if (pos < eol) this.fail(`unexpected text after the timestamp in ${this.excerpt()}`);
    }
    this.samples.push({ name, family, labels, value, timestampMs, exemplar: undefined });
  }

  /**
   * Labels from just after `{` up to and including `}`; returns the index after `}`. Blanks around
   * tokens and commas are optional (promlex).
   */
  private labels(labels: Labels, from: number): number {
    const s = this.s;
    const eol = this.eol;
    const names = this.recentLabelNames;
    const values = this.recentLabelValues;
    let pos = from;
    for (let index = 0; ; index++) {
      let c = s.charCodeAt(pos);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
      this.pos = pos;
      if (pos >= eol) this.fail(`labels are missing their closing brace in ${this.excerpt()}`);
      if (c === 125) return pos + 1;
      // The same label name as the previous sample's at this place: compare in place, no scan.
      let labelName = names[index];
      let nameEnd = labelName === undefined ? pos : pos + labelName.length;
      const after = s.charCodeAt(nameEnd);
      if (labelName === undefined || (after !== 61 && after !== 32 && after !== 9) || !regionsEqual(s, pos, this.recentLabelNameAt[index]!, labelName.length)) {
        nameEnd = scanLabelName(s, pos, eol);
        if (nameEnd === pos) this.fail(`expected a label name in ${this.excerpt()}`);
        labelName = s.slice(pos, nameEnd);
        names[index] = labelName;
        this.recentLabelNameAt[index] = pos;
      }
      pos = nameEnd;
      c = s.charCodeAt(pos);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
      if (c !== 61 || pos >= eol) this.fail(`expected "=" after label name "${labelName}"`);
      c = s.charCodeAt(++pos);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
      if (c !== 34 || pos >= eol) this.fail(`expected a quoted value for label "${labelName}"`);
      this.pos = pos + 1;
      const value = this.readQuoted(values, this.recentLabelValueAt, index);
      if (!addLabel(labels, names, index, labelName, value, this.dropEmpty)) this.fail(`duplicate label name "${labelName}"`);
      pos = this.pos;
      c = s.charCodeAt(pos);
      while (pos < eol && (c === 32 || c === 9)) c = s.charCodeAt(++pos);
      if (pos < eol && c === 44) pos++;
    }
  }
}

/** Parses a text 0.0.4 body; throws ExpositionParseError at the first line the format does not allow. */
export function parsePrometheusText(input: string, options: ParseOptions = {}): Exposition {
  return new PrometheusTextParser(input, options).parse();
}
