// What Grafana does to a PostgreSQL panel's rawSql before the database sees it, so the bundled
// dashboards can be run against a real database in tests (Grafana itself is not installable here).
// Two steps, as in Grafana: the frontend replaces dashboard variables (§6.4), then the backend's
// `Interpolate` replaces $__interval/$__interval_ms/$__unixEpochFrom()/$__unixEpochTo() and expands
// the macros (§6.3). Section numbers refer to /work/shared/reference/prometheus-compat.md.

/** One dashboard variable's current value: a string, or several for multi-value / "All". */
export type VariableValue = string | readonly string[];

/** A dashboard variable as the interpolation sees it. */
export interface Variable {
  value: VariableValue;
  /** `multi` or `includeAll` set on the variable: then even one value is quoted (§6.4). */
  multi: boolean;
}

export interface SqlContext {
  from: Date;
  to: Date;
  /** $__interval in milliseconds (Grafana computes it from the range and the panel width). */
  intervalMs: number;
  /** The data source's `jsonData.timescaledb`: $__timeGroup becomes time_bucket() (§6.3). */
  timescaledb: boolean;
  variables?: Readonly<Record<string, Variable>>;
}

/** A macro Grafana does not know, or one called with too few arguments. */
export class MacroError extends Error {
  readonly code = 'GRAFANA_MACRO';
}

const YEAR = 365 * 86_400_000;
const UNITS: readonly [number, string][] = [
  [YEAR, 'y'],
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
  [1, 'ms'],
];

/** `gtime.FormatInterval`: the largest whole unit, truncated (36h → "1d"); below 1 ms "1ms". */
export function formatInterval(ms: number): string {
  for (const [size, unit] of UNITS) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

const INTERVAL = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 30 * 86_400_000, y: YEAR };

/** `gtime.ParseInterval` after Grafana strips the quotes: "5m", '300s', "1d"… → milliseconds. */
export function parseInterval(text: string): number {
  const match = INTERVAL.exec(text.replaceAll("'", '').trim());
  if (match === null) throw new MacroError(`invalid interval "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Go's `time.RFC3339Nano` in UTC: trailing zeros of the fraction dropped, and the dot with them. */
export function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0+Z$/, (_, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * The SQL data sources' `interpolateVariable` (frontend): a multi-value or include-All variable
 * becomes a comma-separated list of quoted literals (`'a','b'`, §6.4), a plain single value is
 * inserted with its quotes doubled but unquoted. `$var`, `${var}` and `[[var]]` are all replaced.
 */
export function interpolateSqlVariables(sql: string, variables: Readonly<Record<string, Variable>>): string {
  return sql.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const variable = variables[name];
    if (variable === undefined) return whole; // $__macros and unknown names are left for the backend
    const { value, multi } = variable;
    if (typeof value === 'string') return multi ? quoteLiteral(value) : value.replaceAll("'", "''");
    return value.map(quoteLiteral).join(',');
  });
}

/** Prometheus variables: one value as is, several as a regex alternation of escaped values. */
export function interpolatePromVariables(expr: string, variables: Readonly<Record<string, VariableValue>>): string {
  const escape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
  return expr.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const value = variables[a ?? b ?? c ?? ''];
    if (value === undefined) return whole;
    if (typeof value === 'string') return value;
    return value.length === 1 ? escape(value[0]!) : `(${value.map(escape).join('|')})`;
  });
}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g; // macros.go sExpr (§6.3)

/** Expands one macro call, as `postgresMacroEngine.evaluateMacro` does. */
function evaluateMacro(name: string, args: readonly string[], ctx: SqlContext): string {
  const from = rfc3339Nano(ctx.from);
  const to = rfc3339Nano(ctx.to);
  const fromS = Math.floor(ctx.from.getTime() / 1000);
  const toS = Math.floor(ctx.to.getTime() / 1000);
  const need = (n: number, what: string) => {
    if (args.length < n || args[0] === '') throw new MacroError(`macro ${name} needs ${what}`);
  };
  const group = () => {
    need(2, 'time column and interval and optional fill value');
    const seconds = parseInterval(args[1]!) / 1000;
    if (ctx.timescaledb) return `time_bucket('${seconds.toFixed(3)}s',${args[0]})`;
    return `floor(extract(epoch from ${args[0]})/${seconds})*${seconds}`;
  };
  const epochGroup = () => {
    need(2, 'time column and interval and optional fill value');
    const seconds = parseInterval(args[1]!) / 1000;
    return `floor((${args[0]})/${seconds})*${seconds}`;
  };
  switch (name) {
    case '__time':
      need(1, 'time column');
      return `${args[0]} AS "time"`;
    case '__timeEpoch':
      need(1, 'time column');
      return `extract(epoch from ${args[0]}) as "time"`;
    case '__timeFilter':
      need(1, 'time column');
      return `${args[0]} BETWEEN '${from}' AND '${to}'`;
    case '__timeFrom':
      return `'${from}'`;
    case '__timeTo':
      return `'${to}'`;
    case '__timeGroup':
      return group();
    case '__timeGroupAlias':
      return `${group()} AS "time"`;
    case '__unixEpochFilter':
      need(1, 'time column');
      return `${args[0]} >= ${fromS} AND ${args[0]} <= ${toS}`;
    case '__unixEpochNanoFilter':
      need(1, 'time column');
      return `${args[0]} >= ${BigInt(ctx.from.getTime()) * 1_000_000n} AND ${args[0]} <= ${BigInt(ctx.to.getTime()) * 1_000_000n}`;
    case '__unixEpochNanoFrom':
      return `${BigInt(ctx.from.getTime()) * 1_000_000n}`;
    case '__unixEpochNanoTo':
      return `${BigInt(ctx.to.getTime()) * 1_000_000n}`;
    case '__unixEpochGroup':
      return epochGroup();
    case '__unixEpochGroupAlias':
      return `${epochGroup()} AS "time"`;
    default:
      throw new MacroError(`unknown macro "${name}"`);
  }
}

/**
 * `sqleng.Interpolate` + the PostgreSQL macro engine: the global substitutions first (so
 * `$__interval` can be a macro argument), then every `$__name(args)`; a `$__timeGroup(...)`
 * directly followed by `,` becomes `$__timeGroupAlias` (pre-5.3 compatibility, §6.3).
 */
export function expandMacros(sql: string, ctx: SqlContext): string {
  const substituted = sql
    .replaceAll('$__interval_ms', String(Math.trunc(ctx.intervalMs)))
    .replaceAll('$__interval', formatInterval(ctx.intervalMs))
    .replaceAll('$__unixEpochFrom()', String(Math.floor(ctx.from.getTime() / 1000)))
    .replaceAll('$__unixEpochTo()', String(Math.floor(ctx.to.getTime() / 1000)));
  return substituted.replace(MACRO, (call: string, name: string, argText: string) => {
    let macro = name;
    if (macro === '__timeGroup') {
      // Grafana looks at the first occurrence of the same call text, as this does.
      const at = substituted.indexOf(call);
      if (at >= 0 && substituted[at + call.length] === ',') macro = '__timeGroupAlias';
    }
    return evaluateMacro(macro, argText.split(',').map((a) => a.trim()), ctx);
  });
}

/** Both steps: the panel's rawSql as Grafana would send it to PostgreSQL. */
export function expandGrafanaSql(sql: string, ctx: SqlContext): string {
  return expandMacros(interpolateSqlVariables(sql, ctx.variables ?? {}), ctx);
}
