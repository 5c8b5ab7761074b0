export interface WaitOptions {
  /** Most probes to make; default 100. */
  attempts?: number;
  /** Give up after this long, in ms; default 30 000. */
  timeoutMs?: number;
  /** Pause between probes, in ms; default 100. */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined` (a thrown error counts as "not
 * yet"), bounded in attempts and time; throws naming `what` when it never does.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const attempts = options.attempts ?? 100;
  let last: unknown;
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: last });
}

/** Waits until `url` answers 2xx. */
export async function waitForHttp(url: string, options?: WaitOptions): Promise<void> {
  await waitFor(
    url,
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return response.ok ? true : undefined;
    },
    options,
  );
}
