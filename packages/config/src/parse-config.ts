import type { z } from 'zod';

/** Thrown when configuration does not validate; `problems` lists every one, `VARIABLE: message`. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Source of configuration: the process environment, or a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates `env` against `schema` and returns the typed result. Empty strings count as unset, so
 * `FOO=` takes the default. Every problem is reported at once in one `ConfigError`.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const given = key in cleaned ? ` (got "${cleaned[key]}")` : '';
    return `${key || '(root)'}: ${issue.message}${given}`;
  });
  throw new ConfigError(problems);
}
