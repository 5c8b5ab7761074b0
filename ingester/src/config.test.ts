import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@sextant/config';
import { ingesterConfigSchema, scrapeTimeoutOf } from './config.ts';

describe('ingester config', () => {
  it('has the documented defaults', () => {
    const config = parseConfig(ingesterConfigSchema, {});
    expect(config).toMatchObject({
      INGESTER_PORT: 9201,
      INGESTER_HOST: '127.0.0.1',
      SCRAPE_INTERVAL: 60_000,
      SCRAPE_TARGETS: [],
      SCRAPE_FILE_SD: [],
      SCRAPE_JOB: 'node',
      REMOTE_WRITE_AUTH: 'token',
      SCRAPE_SHARDS: 1,
      SCRAPE_SHARD: 0,
    });
    expect(scrapeTimeoutOf(config)).toBe(10_000);
    expect(scrapeTimeoutOf(parseConfig(ingesterConfigSchema, { SCRAPE_INTERVAL: '2s' }))).toBe(2_000);
  });

  it('reads target lists', () => {
    const config = parseConfig(ingesterConfigSchema, { SCRAPE_TARGETS: ' a:9100, [::1]:9464 ,', SCRAPE_FILE_SD: '/etc/sd/*.json,/etc/sd/x.yml' });
    expect(config.SCRAPE_TARGETS).toEqual(['a:9100', '[::1]:9464']);
    expect(config.SCRAPE_FILE_SD).toEqual(['/etc/sd/*.json', '/etc/sd/x.yml']);
  });

  const problemsOf = (env: Record<string, string>): string => {
    try {
      parseConfig(ingesterConfigSchema, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.join('\n');
    }
    throw new Error('the configuration was accepted');
  };

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ SCRAPE_TARGETS: 'http://a:9100', REMOTE_WRITE_AUTH: 'none', SCRAPE_INTERVAL: 'soon' });
    expect(problems).toMatch(/SCRAPE_TARGETS: "http:\/\/a:9100" is not host:port/);
    expect(problems).toMatch(/REMOTE_WRITE_AUTH/);
    expect(problems).toMatch(/SCRAPE_INTERVAL: not a duration/);
  });

  it('checks variables against each other', () => {
    const problems = problemsOf({ SCRAPE_INTERVAL: '5s', SCRAPE_TIMEOUT: '10s', SCRAPE_SHARDS: '2', SCRAPE_SHARD: '2' });
    expect(problems).toMatch(/SCRAPE_TIMEOUT: must not be longer than SCRAPE_INTERVAL/);
    expect(problems).toMatch(/SCRAPE_SHARD: must be less than SCRAPE_SHARDS/);
  });
});
