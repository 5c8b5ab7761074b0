import type { Logger } from '@sextant/log';

/** Something long-lived that can stop. */
export interface Closable {
  close(): Promise<void>;
}

// A terminal's Ctrl-C reaches every process of the group, and `npm start` forwards it once more:
// signals this close together are one request to stop.
const SAME_SIGNAL_MS = 1_000;

/**
 * Collects what a process started and stops it in reverse order on SIGINT/SIGTERM (or `stop()`),
 * within `timeoutMs`; another signal more than a second later exits at once.
 */
export class Shutdown {
  readonly #stack: { name: string; item: Closable }[] = [];
  readonly #log: Logger;
  readonly #timeoutMs: number;
  #stopping: Promise<boolean> | undefined;
  readonly done: Promise<boolean>;
  #resolveDone!: (clean: boolean) => void;

  constructor(log: Logger, timeoutMs = 9_000) {
    this.#log = log;
    this.#timeoutMs = timeoutMs;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Registers `item` to be closed before everything registered earlier. */
  add<T extends Closable>(name: string, item: T): T {
    this.#stack.push({ name, item });
    return item;
  }

  /** Stops on SIGINT/SIGTERM; resolves `done` with whether every close succeeded in time. */
  onSignals(): void {
    let first = 0;
    const handler = (signal: NodeJS.Signals) => {
      if (this.#stopping !== undefined && Date.now() - first < SAME_SIGNAL_MS) return;
      if (this.#stopping !== undefined) {
        this.#log.warn({ signal }, 'second signal, exiting now');
        process.exit(1);
      }
      first = Date.now();
      this.#log.info({ signal }, 'shutting down');
      void this.stop();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }

  /** Closes everything in reverse order; true when all closed cleanly within the timeout. */
  stop(): Promise<boolean> {
    this.#stopping ??= this.#closeAll().then((clean) => {
      this.#resolveDone(clean);
      return clean;
    });
    return this.#stopping;
  }

  async #closeAll(): Promise<boolean> {
    let clean = true;
    const deadline = Date.now() + this.#timeoutMs;
    for (const { name, item } of this.#stack.toReversed()) {
      const left = Math.max(deadline - Date.now(), 100);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
      try {
        const outcome = await Promise.race([item.close().then(() => 'ok' as const), timeout]);
        if (outcome === 'timeout') {
          clean = false;
          this.#log.error({ component: name }, 'did not stop in time');
        }
      } catch (err) {
        clean = false;
        this.#log.error({ err, component: name }, 'failed to stop cleanly');
      } finally {
        clearTimeout(timer);
      }
    }
    return clean;
  }
}
