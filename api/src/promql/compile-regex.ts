import { badData } from './promql-error.ts';

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * Compiles a PromQL (RE2) regular expression into a fully anchored JavaScript RegExp. Like
 * Prometheus 3, `.` also matches a newline. Leading `(?flags)` groups become JS flags; inline
 * `(?i:…)` groups are native in Node 24. RE2-only syntax it cannot map is a `bad_data` error.
 */
export function compileRegex(source: string): RegExp {
  let flags = 's';
  let body = source;
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead !== null) {
    const f = lead[1] ?? '';
    if (f.includes('i')) flags += 'i';
    if (f.includes('m')) flags += 'm';
    body = body.slice(lead[0].length);
  }
  body = body
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (cls === undefined || neg !== '') return m;
      return cls;
    })
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(`^(?:${scopeInlineFlags(body)})$`, flags);
  } catch (err) {
    throw badData(`invalid regular expression "${source}": ${(err as Error).message}`);
  }
}

/**
 * RE2's `(?i)` in the middle of a pattern applies to the rest of the enclosing group; JavaScript
 * only has scoped modifiers `(?i:…)`, so each becomes one that ends where the group ends.
 */
function scopeInlineFlags(re: string): string {
  let out = '';
  const extra: number[] = [0];
  for (let i = 0; i < re.length; i++) {
    const c = re[i] as string;
    if (c === '\\') {
      out += re.slice(i, i + 2);
      i++;
    } else if (c === '[') {
      let j = i + 1;
      if (re[j] === '^') j++;
      if (re[j] === ']') j++;
      while (j < re.length && re[j] !== ']') j += re[j] === '\\' ? 2 : 1;
      out += re.slice(i, j + 1);
      i = j;
    } else if (c === '(') {
      const flag = /^\(\?([ims]+)\)/.exec(re.slice(i));
      if (flag !== null) {
        out += `(?${flag[1]}:`;
        extra[extra.length - 1] = (extra[extra.length - 1] ?? 0) + 1;
        i += flag[0].length - 1;
      } else {
        out += c;
        extra.push(0);
      }
    } else if (c === ')') {
      out += ')'.repeat(extra.pop() ?? 0) + ')';
      if (extra.length === 0) extra.push(0);
    } else {
      out += c;
    }
  }
  return out + ')'.repeat(extra.reduce((a, b) => a + b, 0));
}
