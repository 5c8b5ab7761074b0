/**
 * Undoes the escapes of s[start, end) in one left-to-right pass (compat §1.5: `\\n` is a backslash
 * then `n`): `\\` → `\`, `\n` → LF and, when `quote`, `\"` → `"`. Any other backslash is kept as
 * written, as Prometheus does, or makes the result undefined when `strict` (Go's expfmt).
 */
export function unescape(s: string, start: number, end: number, quote: boolean, strict: boolean): string | undefined {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== 92) continue;
    const next = i + 1 < end ? s.charCodeAt(i + 1) : -1;
    let replacement: string;
    if (next === 92) replacement = '\\';
    else if (next === 110) replacement = '\n';
    else if (next === 34 && quote) replacement = '"';
    else if (strict) return undefined;
    // Kept as written; the next character is read normally.
    else continue;
    out += s.slice(from, i) + replacement;
    from = i + 2;
    i++;
  }
  return from === start ? s.slice(start, end) : out + s.slice(from, end);
}
