import type { Logger } from '@sextant/log';

/** A value loaded in the background every `intervalMs`, so slow sources stay off the scrape path. */
export interface Refresher<T> {
  /** The latest successful load, or undefined before the first one finishes. */
  current(): T | undefined;
  close(): Promise<void>;
}

export interface RefresherOptions<T> {
  intervalMs: number;
  /** Loads the value; may reject or throw synchronously, either way the previous value is kept. */
  load: () => Promise<T>;
  log: Logger;
}

/**
 * Starts loading at once, then every `intervalMs` after the previous load ends. A failed load (a
 * rejection or a synchronous throw) is logged, the previous value is kept, and the next tick tries again.
 */
export function createRefresher<T>(options: RefresherOptions<T>): Refresher<T> {
  let value: T | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  const tick = (): void => {
    // The executor turns a synchronous throw in `load` (readdirSync's EMFILE) into a rejection:
    // thrown from this timer callback it would be uncaught and end the process.
    running = new Promise<T>((resolve) => resolve(options.load()))
      .then((v) => {
        value = v;
      })
      .catch((err: unknown) => options.log.warn({ err }, 'background refresh failed'))
      .finally(() => {
        if (!closed) timer = setTimeout(tick, options.intervalMs).unref();
      });
  };
  tick();

  return {
    current: () => value,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
