import type { Logger } from '@sextant/log';

/** A value loaded in the background every `intervalMs`, so slow sources stay off the scrape path. */
export interface Refresher<T> {
  /** The latest successful load, or undefined before the first one finishes. */
  current(): T | undefined;
  close(): Promise<void>;
}

export interface RefresherOptions<T> {
  intervalMs: number;
  load: () => Promise<T>;
  log: Logger;
}

/** Starts loading at once, then every `intervalMs` after the previous load ends; failures are logged and kept stale. */
export function createRefresher<T>(options: RefresherOptions<T>): Refresher<T> {
  let value: T | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  const tick = (): void => {
    running = options
      .load()
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
