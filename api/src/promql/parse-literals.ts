import { badData } from './promql-error.ts';

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'",
};

/** Unquotes a PromQL string literal the way Go's strconv.Unquote does ("…", '…' with escapes; `…` raw). */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  if (raw.length < 2 || raw[raw.length - 1] !== quote) throw badData(`unterminated quoted string ${raw}`);
  const body = raw.slice(1, -1);
  if (quote === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw badData(`invalid escape sequence in ${raw}`);
      out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += 1 + len;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw badData(`invalid escape sequence in ${raw}`);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 3;
    } else {
      throw badData(`unknown escape sequence "\\${e}" in ${raw}`);
    }
  }
  return out;
}

const UNIT_MS: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/** Milliseconds of a Prometheus duration (`1h30m`), or undefined when `text` is not one. */
export function durationMs(text: string): number | undefined {
  if (text === '' || !/[a-z]$/.test(text)) return undefined;
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  let total = 0;
  UNITS.forEach((unit, i) => {
    const n = m[i + 1];
    if (n !== undefined) total += Number(n) * (UNIT_MS[unit] as number);
  });
  return total;
}

/** A PromQL number literal: decimal/float with `_` separators, hex, Inf, NaN, or a duration (in seconds). */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  const dur = durationMs(text);
  if (dur !== undefined) return dur / 1000;
  const clean = text.replaceAll('_', '');
  const n = /^[+-]?0x/i.test(clean) ? parseInt(clean, 16) : Number(clean);
  if (clean === '' || Number.isNaN(n)) throw badData(`invalid number "${text}"`);
  return n;
}

/** A range or offset given as a duration or as float seconds, in ms. */
export function parseDurationOrSeconds(text: string): number {
  const dur = durationMs(text);
  if (dur !== undefined) return dur;
  const seconds = parseNumber(text);
  if (!Number.isFinite(seconds)) throw badData(`invalid duration "${text}"`);
  return Math.round(seconds * 1000);
}
