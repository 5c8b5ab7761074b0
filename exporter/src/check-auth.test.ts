import { describe, expect, it } from 'vitest';
import { createAuthCheck } from './check-auth.ts';

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('createAuthCheck', () => {
  it('is off when nothing is configured', () => {
    expect(createAuthCheck({})).toBeNull();
  });

  it('accepts the bearer token or the basic credentials, nothing else', () => {
    const check = createAuthCheck({ bearerToken: 's3cret', basicUser: 'prom', basicPassword: 'pw' })!;
    expect(check('Bearer s3cret')).toBe(true);
    expect(check(basic('prom', 'pw'))).toBe(true);
    expect(check('Bearer s3cre')).toBe(false);
    expect(check(basic('prom', 'px'))).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check('s3cret')).toBe(false);
  });
});
