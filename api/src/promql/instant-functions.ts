// Functions over instant vectors and scalars (Prometheus promql/functions.go semantics).
import type { Labels } from './ast.ts';
import { compileRegex } from './compile-regex.ts';
import { dropName } from './labels.ts';
import { badData } from './promql-error.ts';
import type { Sample } from './value.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const MATH: Record<string, (x: number) => number> = {
  abs: Math.abs, ceil: Math.ceil, floor: Math.floor, exp: Math.exp, sqrt: Math.sqrt, ln: Math.log,
  log2: Math.log2, log10: Math.log10, sgn: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  deg: (x) => (x * 180) / Math.PI, rad: (x) => (x * Math.PI) / 180,
  acos: Math.acos, acosh: Math.acosh, asin: Math.asin, asinh: Math.asinh, atan: Math.atan, atanh: Math.atanh,
  cos: Math.cos, cosh: Math.cosh, sin: Math.sin, sinh: Math.sinh, tan: Math.tan, tanh: Math.tanh,
};

function daysInMonth(d: Date): number {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

const DATE: Record<string, (d: Date) => number> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: daysInMonth,
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

function mapValues(vec: Sample[], f: (x: number) => number): Sample[] {
  return vec.map((s) => ({ labels: dropName(s.labels), v: f(s.v) }));
}

/** Element-wise math functions (abs, ln, sin, …); undefined when `name` is not one. */
export function mathFunction(name: string, vec: Sample[]): Sample[] | undefined {
  const f = MATH[name];
  return f === undefined ? undefined : mapValues(vec, f);
}

/** day_of_month() … year() over the samples' values (seconds since the epoch). */
export function dateFunction(name: string, vec: Sample[]): Sample[] | undefined {
  const f = DATE[name];
  if (f === undefined) return undefined;
  return vec.flatMap((s) => {
    if (!Number.isFinite(s.v)) return [{ labels: dropName(s.labels), v: NaN }];
    return [{ labels: dropName(s.labels), v: f(new Date(Math.trunc(s.v) * 1000)) }];
  });
}

export function clamp(vec: Sample[], min: number, max: number): Sample[] {
  if (max < min) return [];
  return mapValues(vec, (x) => Math.max(min, Math.min(max, x)));
}

export function round(vec: Sample[], toNearest: number): Sample[] {
  const inv = 1 / toNearest;
  return mapValues(vec, (x) => Math.floor(x * inv + 0.5) / inv);
}

/** Go regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a longest run of word characters is the name. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (all, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

export function labelReplace(vec: Sample[], dst: string, replacement: string, src: string, regex: string): Sample[] {
  const re = compileRegex(regex);
  if (!LABEL_NAME.test(dst)) throw badData(`invalid destination label name in label_replace(): ${dst}`);
  return vec.map((s) => {
    const m = re.exec(s.labels[src] ?? '');
    if (m === null) return s;
    const value = expand(replacement, m);
    const labels: Labels = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { labels, v: s.v };
  });
}

export function labelJoin(vec: Sample[], dst: string, sep: string, src: string[]): Sample[] {
  if (!LABEL_NAME.test(dst)) throw badData(`invalid destination label name in label_join(): ${dst}`);
  for (const l of src) if (!LABEL_NAME.test(l)) throw badData(`invalid source label name in label_join(): ${l}`);
  return vec.map((s) => {
    const value = src.map((l) => s.labels[l] ?? '').join(sep);
    const labels: Labels = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { labels, v: s.v };
  });
}

/** sort / sort_desc: by value, NaN last in both directions. */
export function sortByValue(vec: Sample[], desc: boolean): Sample[] {
  return [...vec].sort((a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return desc ? b.v - a.v : a.v - b.v;
  });
}
