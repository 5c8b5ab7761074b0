// Steady API traffic during faults: a few loops reading servers, alerts and a PromQL query, each
// answer counted by class so a test can tell retryable 503s from real failures.
export interface ApiCounts {
  ok: number;
  /** 503: storage away, retry later (the contract). */
  unavailable: number;
  /** Any other 5xx. */
  other5xx: number;
  /** 4xx. */
  refused: number;
  /** Connection refused or cut (the process was down). */
  noAnswer: number;
}

export interface ApiLoad {
  counts(): ApiCounts;
  /** Counts since an earlier `counts()`. */
  since(before: ApiCounts): ApiCounts;
  stop(): Promise<void>;
}

const PATHS = ['/api/servers', '/api/alerts?status=firing', '/api/v1/query?query=up', '/api/me'];

export function startApiLoad(options: { url: string; token: string; concurrency: number; pauseMs?: number }): ApiLoad {
  let running = true;
  const c: ApiCounts = { ok: 0, unavailable: 0, other5xx: 0, refused: 0, noAnswer: 0 };
  const loop = async (offset: number) => {
    for (let i = offset; running; i++) {
      const status = await fetch(`${options.url}${PATHS[i % PATHS.length]!}`, { headers: { authorization: `Bearer ${options.token}` }, signal: AbortSignal.timeout(10_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0);
      if (status === 0) c.noAnswer++;
      else if (status < 400) c.ok++;
      else if (status === 503) c.unavailable++;
      else if (status >= 500) c.other5xx++;
      else c.refused++;
      await new Promise((resolve) => setTimeout(resolve, status === 0 ? 200 : (options.pauseMs ?? 50)));
    }
  };
  const loops = Array.from({ length: options.concurrency }, (_, i) => loop(i));
  return {
    counts: () => ({ ...c }),
    since: (b) => ({ ok: c.ok - b.ok, unavailable: c.unavailable - b.unavailable, other5xx: c.other5xx - b.other5xx, refused: c.refused - b.refused, noAnswer: c.noAnswer - b.noAnswer }),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
