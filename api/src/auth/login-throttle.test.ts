import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.ts';

describe('createLoginThrottle', () => {
  it('locks an account after its limit until the window ends, whatever the letter case', () => {
    let now = 1_000_000;
    const throttle = createLoginThrottle({ perAccount: 2, perAddress: 100, windowMs: 60_000, now: () => now });
    throttle.failed('Alice', '10.0.0.1');
    expect(throttle.retryAfter('alice', '10.0.0.9')).toBe(0);
    throttle.failed('alice', '10.0.0.2');
    expect(throttle.retryAfter('ALICE', '10.0.0.9')).toBe(60);
    now += 59_001;
    expect(throttle.retryAfter('alice', '10.0.0.9')).toBe(1);
    now += 1_000;
    expect(throttle.retryAfter('alice', '10.0.0.9')).toBe(0);
  });

  it('locks an address across accounts, and a success clears only the account', () => {
    const throttle = createLoginThrottle({ perAccount: 3, perAddress: 3, windowMs: 60_000, now: () => 0 });
    throttle.failed('a', '10.0.0.1');
    throttle.failed('b', '10.0.0.1');
    throttle.succeeded('b');
    throttle.failed('c', '10.0.0.1');
    expect(throttle.retryAfter('d', '10.0.0.1')).toBe(60);
    expect(throttle.retryAfter('d', '10.0.0.2')).toBe(0);
  });

  it('remembers at most maxKeys keys, forgetting the oldest', () => {
    const throttle = createLoginThrottle({ perAccount: 1, perAddress: 1_000, windowMs: 60_000, maxKeys: 4, now: () => 0 });
    throttle.failed('first', 'x');
    expect(throttle.retryAfter('first', 'y')).toBe(60);
    for (const name of ['b', 'c', 'd']) throttle.failed(name, 'x');
    expect(throttle.retryAfter('first', 'y')).toBe(0);
    expect(throttle.retryAfter('d', 'y')).toBe(60);
  });
});
