import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './dashboards.ts';

export const COMPOSE_DIR = path.join(ROOT, 'compose');

/** A service of compose.yaml, loosely typed: only what the tests read. */
export interface ComposeService {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  restart?: string;
  network_mode?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `KEY=value` lines of an env file (Compose's .env syntax, without quotes or export). */
export function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match !== null) vars.set(match[1]!, match[2]!);
  }
  return vars;
}

const REFERENCE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Names of the variables a text refers to (`$VAR`, `${VAR}`, `${VAR:-default}`, …; `$$` is a literal). */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) {
    const name = m[1] ?? m[4];
    if (name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Compose's interpolation (compose-spec "Interpolation"): `${VAR:-default}` / `${VAR-default}`,
 * `${VAR:?error}` / `${VAR?error}` (throws), `${VAR:+alt}` / `${VAR+alt}`, `$VAR`, `$$` → `$`.
 */
export function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(REFERENCE, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare!;
    const value = env.get(name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? value : arg!;
      case '-':
        return set ? value : arg!;
      case ':?':
        if (!nonEmpty) throw new Error(`${name}: ${arg}`);
        return value;
      case '?':
        if (!set) throw new Error(`${name}: ${arg}`);
        return value;
      case ':+':
        return nonEmpty ? arg! : '';
      case '+':
        return set ? arg! : '';
      default:
        return value ?? '';
    }
  });
}

/** Variables referred to by the string values of a parsed YAML document (comments are not interpolated). */
export function referencedInValues(value: unknown): Set<string> {
  if (typeof value === 'string') return referencedVariables(value);
  const children = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : [];
  return new Set(children.flatMap((c) => [...referencedInValues(c)]));
}

export const composeText = () => readFileSync(path.join(COMPOSE_DIR, 'compose.yaml'), 'utf8');
export const envExample = () => parseEnvFile(readFileSync(path.join(COMPOSE_DIR, '.env.example'), 'utf8'));

/** .env.example with its empty secrets filled in, as an operator would (long random-looking values). */
export function filledEnv(): Map<string, string> {
  const env = envExample();
  for (const [key, value] of env) if (value === '' && /PASSWORD|SECRET|TOKEN/.test(key)) env.set(key, `${key.toLowerCase()}-0123456789abcdef0123456789abcdef`);
  return env;
}

/** Interpolates every string of a parsed YAML document, as Compose does after parsing. */
function interpolateValues(value: unknown, env: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateValues(v, env));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValues(v, env)]));
  return value;
}

/** compose.yaml as Compose sees it: YAML with merge keys, then every string interpolated with `env`. */
export function loadCompose(env: ReadonlyMap<string, string> = filledEnv()): ComposeFile {
  return interpolateValues(parse(composeText(), { merge: true }), env) as ComposeFile;
}

/** Parts of a short-syntax volume `source:target[:mode]`; `bind` when the source is a path. */
export function volumeParts(spec: string): { source: string; target: string; bind: boolean } {
  const [source = '', target = ''] = spec.split(':');
  return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
}
