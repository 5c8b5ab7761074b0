import { describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { Shutdown, StopRequested } from './shutdown.ts';

const log = createLogger({ level: 'silent' });

function closable(name: string, closed: string[]) {
  return { close: () => Promise.resolve(void closed.push(name)) };
}

describe('Shutdown', () => {
  it('closes in reverse order and resolves done', async () => {
    const closed: string[] = [];
    const shutdown = new Shutdown(log);
    shutdown.add('db', closable('db', closed));
    shutdown.add('http', closable('http', closed));
    expect(await shutdown.stop()).toBe(true);
    expect(closed).toEqual(['http', 'db']);
    expect(await shutdown.done).toBe(true);
  });

  it('unwinds a start-up that a stop request interrupted, closing what came later too', async () => {
    const closed: string[] = [];
    const shutdown = new Shutdown(log);
    shutdown.add('db', closable('db', closed));
    const first = shutdown.stop();
    // Start-up goes on until it registers the next thing, which makes it unwind.
    expect(() => shutdown.add('http', closable('http', closed))).toThrow(StopRequested);
    expect(await first).toBe(true);
    expect(await shutdown.stop()).toBe(true);
    expect(closed.sort()).toEqual(['db', 'http']);
  });

  it('reports a close that fails or hangs as unclean, and still closes the rest', async () => {
    const closed: string[] = [];
    const shutdown = new Shutdown(log, 200);
    shutdown.add('db', closable('db', closed));
    shutdown.add('hangs', { close: () => new Promise<void>(() => undefined) });
    shutdown.add('fails', { close: () => Promise.reject(new Error('boom')) });
    expect(await shutdown.stop()).toBe(false);
    expect(closed).toEqual(['db']);
  });
});
