// Numbers as Prometheus's text parsers read them (compat §1.2, §1.3): Go's strconv.ParseFloat
// restricted to decimal notation (Prometheus refuses `p`, `P` and `_`, so hex floats never parse),
// `Inf`/`Infinity` with an optional sign and `NaN`, case-insensitively; a finite number too large
// for a float64 is an error like Go's ErrRange.

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `Inf`, `Infinity` (optionally signed) or unsigned `NaN`, any case, in s[start, end); else undefined. */
function parseSpecial(s: string, start: number, end: number): number | undefined {
  const c = s.charCodeAt(start);
  const signed = c === 43 || c === 45;
  const word = s.slice(signed ? start + 1 : start, end).toLowerCase();
  if (word === 'inf' || word === 'infinity') return c === 45 ? -Infinity : Infinity;
  if (word === 'nan' && !signed) return Number.NaN;
  return undefined;
}

/** The float64 written in s[start, end), or undefined when it is not a number Prometheus accepts. */
export function parseGoFloat(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let i = start;
  let c = s.charCodeAt(i);
  const negative = c === 45;
  if (negative || c === 43) {
    if (++i === end) return undefined;
    c = s.charCodeAt(i);
  }
  if (!isDigit(c) && c !== 46) return parseSpecial(s, start, end);
  // Exact fast path (Clinger): ≤ 15 significant digits and a power of ten ≤ 22 are both exact
  // float64 values, so one multiplication or division rounds correctly.
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0;
  for (; i < end && isDigit((c = s.charCodeAt(i))); i++) {
    digits++;
    if (significant > 0 || c !== 48) {
      if (significant < 15) mantissa = mantissa * 10 + (c - 48);
      else scale++;
      significant++;
    }
  }
  if (i < end && c === 46) {
    for (i++; i < end && isDigit((c = s.charCodeAt(i))); i++) {
      digits++;
      if (significant > 0 || c !== 48) {
        if (significant < 15) {
          mantissa = mantissa * 10 + (c - 48);
          scale--;
        }
        significant++;
      } else scale--;
    }
  }
  if (digits === 0) return undefined;
  if (i < end && (c === 101 || c === 69)) {
    i++;
    let expNegative = false;
    if (i < end && ((c = s.charCodeAt(i)) === 43 || c === 45)) {
      expNegative = c === 45;
      i++;
    }
    const expStart = i;
    let exp = 0;
    for (; i < end && isDigit((c = s.charCodeAt(i))); i++) if (exp < 100_000) exp = exp * 10 + (c - 48);
    if (i === expStart) return undefined;
    scale += expNegative ? -exp : exp;
  }
  if (i !== end) return undefined;
  // An integer below 1e9 (not -0) comes back as a small integer, which a field holds without
  // allocating a heap number.
  if (scale === 0 && significant <= 9 && (mantissa !== 0 || !negative)) return negative ? -mantissa | 0 : mantissa | 0;
  let value: number;
  if (significant <= 15 && scale >= -22 && scale <= 22) {
    value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
  } else {
    value = Math.abs(Number(s.slice(start, end)));
    if (value === Infinity) return undefined;
  }
  return negative ? -value : value;
}

/** An integer (optionally signed) in s[start, end) that fits an int64, as Go's ParseInt; else undefined. */
export function parseGoInt(s: string, start: number, end: number): number | undefined {
  const c0 = s.charCodeAt(start);
  const negative = c0 === 45;
  const first = negative || c0 === 43 ? start + 1 : start;
  if (first === end || end - first > 19) return undefined;
  let value = 0;
  for (let i = first; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    value = value * 10 + (c - 48);
  }
  // Past 15 digits the running sum is no longer exact; let the runtime round the text once.
  if (end - first > 15) value = Number(s.slice(first, end));
  // 19 digits may exceed int64 (what ParseInt refuses); compare as text, a float cannot tell.
  if (end - first === 19 && s.slice(first, end) > (negative ? '9223372036854775808' : '9223372036854775807')) return undefined;
  return negative ? -value : value;
}

/**
 * Go's strconv.FormatFloat(v, 'g', -1, 64) with Prometheus's spelling of the specials: the shortest
 * text that reads back as the same float64.
 */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // Shortest 'g' switches to exponent form below 1e-4 and from 1e6 (two-digit exponent at least).
  if (exp >= -4 && exp < 6) return String(v);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
