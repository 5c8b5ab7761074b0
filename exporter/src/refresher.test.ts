import { createLogger } from '@sextant/log';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefresher } from './refresher.ts';

describe('createRefresher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('survives a load that throws synchronously or rejects, keeps the last good value and recovers', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    let calls = 0;
    const load = (): Promise<number> => {
      calls++;
      // A synchronous throw (readdirSync's EMFILE) on the 2nd call, a rejection on the 3rd.
      if (calls === 2) throw new Error('EMFILE: too many open files');
      if (calls === 3) return Promise.reject(new Error('rejected'));
      return Promise.resolve(calls);
    };
    const refresher = createRefresher({ intervalMs: 1000, load, log });
    await vi.advanceTimersByTimeAsync(0);
    expect(refresher.current()).toBe(1);

    // Without the catch, the throw escapes the timer callback and advanceTimers rethrows it.
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    expect(refresher.current()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(refresher.current()).toBe(1);

    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(4);
    expect(refresher.current()).toBe(4);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'background refresh failed',
      'background refresh failed',
    ]);
    await refresher.close();
  });

  it('survives a load that throws synchronously on its first call', async () => {
    const log = createLogger({ level: 'silent' });
    let calls = 0;
    const refresher = createRefresher({
      intervalMs: 1000,
      log,
      load: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve('ok');
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(refresher.current()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresher.current()).toBe('ok');
    await refresher.close();
  });
});
