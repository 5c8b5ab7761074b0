import type { Logger } from '@sextant/log';

/** Something long-lived that can stop. */
export interface Closable {
  close(): Promise<void>;
}

/** Thrown by `Shutdown.add` when a stop was requested while the process was still starting. */
export class StopRequested extends Error {
  readonly code = 'STOP_REQUESTED';

  constructor() {
    super('stop requested during start-up');
    this.name = 'StopRequested';
  }
}

// A terminal's Ctrl-C reaches every process of the group, and `npm start` forwards it once more:
// signals this close together are one request to stop.
const SAME_SIGNAL_MS = 1_000;

/**
 * Collects what a process started and stops it in reverse order on SIGINT/SIGTERM (or `stop()`),
 * within `timeoutMs`; another signal more than a second later exits at once. A stop requested
 * during start-up makes the next `add` close what it was given and throw `StopRequested`, so the
 * starting code unwinds and calls `stop()` again for the rest.
 */
export class Shutdown {
  readonly #stack: { name: string; item: Closable }[] = [];
  readonly #log: Logger;
  readonly #timeoutMs: number;
  #requested = false;
  #rounds: Promise<boolean> = Promise.resolve(true);
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
    if (this.#requested) throw new StopRequested();
    return item;
  }

  /** Stops on SIGINT/SIGTERM; `done` resolves with whether every close succeeded in time. */
  onSignals(): void {
    let first = 0;
    const handler = (signal: NodeJS.Signals) => {
      if (this.#requested && Date.now() - first < SAME_SIGNAL_MS) return;
      if (this.#requested) {
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

  /**
   * Closes everything registered so far, newest first; true when all of it (and every earlier
   * round) closed cleanly within the timeout. Safe to call again: a later call closes what was
   * added since.
   */
  stop(): Promise<boolean> {
    this.#requested = true;
    this.#rounds = this.#rounds.then(async (cleanSoFar) => (await this.#closeAll()) && cleanSoFar);
    void this.#rounds.then((clean) => this.#resolveDone(clean));
    return this.#rounds;
  }

  async #closeAll(): Promise<boolean> {
    let clean = true;
    const deadline = Date.now() + this.#timeoutMs;
    for (let entry = this.#stack.pop(); entry !== undefined; entry = this.#stack.pop()) {
      const { name, item } = entry;
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
