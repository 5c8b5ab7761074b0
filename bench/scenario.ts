/** One measured quantity for Sextant and its peer, from the same run. */
export interface Measurement {
  /** What was measured, e.g. `/metrics latency p50`. */
  metric: string;
  /** Unit shown in the table, e.g. `ms`, `MiB`, `s/scrape`. */
  unit: string;
  sextant: number;
  peer: number;
  /** `lower` when smaller is better (latency, memory), `higher` for throughput. */
  better: 'lower' | 'higher';
  /** Target for sextant/peer, e.g. 1.0 for "p50 ≤ 1.0× the peer's"; omitted when there is none. */
  targetRatio?: number;
}

export interface ScenarioResult {
  /** The peer measured beside Sextant, with its version, e.g. `node_exporter 1.5.0`. */
  peer: string;
  /** How it was measured, in one or two sentences for the report. */
  method: string;
  measurements: Measurement[];
}

/** A benchmark scenario: brings up Sextant's part and its peer, measures both in one run, cleans up. */
export interface Scenario {
  name: string;
  description: string;
  /** Returns `null` with a reason logged when the peer is missing on this machine. */
  run(options: { signal: AbortSignal; log: (line: string) => void }): Promise<ScenarioResult | null>;
}
