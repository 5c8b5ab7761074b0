import { ExpositionParseError } from './exposition-parse-error.ts';
import { unescape } from './unescape.ts';

/** Whether s[start, start + text.length) is `text`, without allocating. */
export function regionEquals(s: string, start: number, text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(start + i) !== text.charCodeAt(i)) return false;
  return true;
}

/** Whether s[a, a + n) equals s[b, b + n): both regions read from the one flat input string. */
export function regionsEqual(s: string, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (s.charCodeAt(a + i) !== s.charCodeAt(b + i)) return false;
  return true;
}

/**
 * The input as a flat string in V8's own heap. Node decodes a buffer of more than ~1 MB
 * (`EXTERN_APEX`) into an external string, which the character-by-character scan reads markedly
 * slower (a federation-sized body parses ~30% faster from the copy, which costs ~1%). `join`
 * writes its result as one sequential string (`+` would make a cons string, read through a pointer).
 */
function inHeap(input: string): string {
  return input.length >= 1 << 19 ? [input.slice(0, 1), input.slice(1)].join('') : input;
}

/**
 * Position, line and current line end of one parse, plus the lexical pieces both grammars share.
 * A class so that the hot loop reads plain fields (the parsers extend it).
 */
export class LineScanner {
  readonly s: string;
  readonly length: number;
  readonly strictEscapes: boolean;
  /** Next index to read. */
  pos = 0;
  /** 1-based number of the line at `pos`. */
  line = 0;
  private backslash = -1;
  /** Index of the first character of the current line. */
  lineStart = 0;
  /** Index of the `\n` ending the current line, or `length`. */
  eol = 0;

  constructor(input: string, strictEscapes: boolean) {
    this.s = inHeap(input);
    this.length = input.length;
    this.strictEscapes = strictEscapes;
  }

  /** Moves to the start of the next line; false at the end of the input. */
  nextLine(): boolean {
    if (this.line > 0) this.pos = this.eol + 1;
    if (this.pos >= this.length && this.line > 0) return false;
    this.line++;
    this.lineStart = this.pos;
    const nl = this.s.indexOf('\n', this.pos);
    this.eol = nl === -1 ? this.length : nl;
    return true;
  }

  fail(message: string): never {
    throw new ExpositionParseError(this.line, message);
  }

  /** Index of the first backslash at or after `from` (`length` if none); amortized O(1) per call. */
  nextBackslash(from: number): number {
    if (this.backslash < from) {
      const b = this.s.indexOf('\\', from);
      this.backslash = b === -1 ? this.length : b;
    }
    return this.backslash;
  }

  /** The current line (at most `max` characters), quoted, for messages. */
  excerpt(max = 80): string {
    return JSON.stringify(this.s.slice(this.lineStart, Math.min(this.eol, this.lineStart + max)));
  }

  /**
   * Reads a label value whose opening quote is at `pos - 1`, leaves `pos` after the closing quote and
   * returns the unescaped value (label-value escapes, compat §1.2). `recent[index]`, the value at the
   * same place in the previous sample, written at `recentAt[index]` in the input, is compared in
   * place first and returned when equal, so that repeated values cost no scan and no new string; it
   * is then updated (cleared after an escaped value, whose text differs from its value).
   */
  readQuoted(recent?: (string | undefined)[], recentAt?: number[], index = 0): string {
    const s = this.s;
    const eol = this.eol;
    const start = this.pos;
    const previous = recent?.[index];
    if (previous !== undefined) {
      const end = start + previous.length;
      if (end < eol && s.charCodeAt(end) === 34 && regionsEqual(s, start, recentAt![index]!, previous.length)) {
        this.pos = end + 1;
        return previous;
      }
    }
    let q = start;
    let c = 0;
    while (q < eol && (c = s.charCodeAt(q)) !== 34 && c !== 92) q++;
    if (q >= eol) this.fail('label value is missing its closing quote');
    if (c === 34) {
      this.pos = q + 1;
      const value = s.slice(start, q);
      if (recent !== undefined) {
        recent[index] = value;
        recentAt![index] = start;
      }
      return value;
    }
    // Escapes present: the closing quote is the first one after an even run of backslashes.
    for (; q < eol; q++) {
      c = s.charCodeAt(q);
      if (c === 92) q++;
      else if (c === 34) break;
    }
    if (q >= eol) this.fail('label value is missing its closing quote');
    this.pos = q + 1;
    if (recent !== undefined) recent[index] = undefined;
    return unescape(s, start, q, true, this.strictEscapes) ?? this.fail('invalid escape sequence in label value');
  }
}
