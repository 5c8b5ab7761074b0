import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { duration, port } from './index.ts';
import { ConfigError, parseConfig } from './parse-config.ts';

const schema = z.object({
  API_PORT: port.default(8080),
  SCRAPE_INTERVAL: duration.default(60_000),
  NAME: z.string().default('x'),
});

describe('parseConfig', () => {
  it('applies defaults, treating empty strings as unset', () => {
    expect(parseConfig(schema, { API_PORT: '', SCRAPE_INTERVAL: '15s' })).toEqual({
      API_PORT: 8080,
      SCRAPE_INTERVAL: 15_000,
      NAME: 'x',
    });
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      parseConfig(schema, { API_PORT: 'eighty', SCRAPE_INTERVAL: '1 minute' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^API_PORT: .*\(got "eighty"\)$/);
    expect(problems[1]).toMatch(/^SCRAPE_INTERVAL: not a duration/);
  });
});
