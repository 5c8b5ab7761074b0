import type { Labels, Matcher } from './ast.ts';

/** Which series and which time span one selector needs: samples with minMs < t <= maxMs. */
export interface SelectRequest {
  matchers: Matcher[];
  minMs: number;
  maxMs: number;
  /**
   * Set when only the windows (gridStart + i·step − window, gridStart + i·step] are read (a range
   * query whose range or lookback is shorter than its step): the source may skip everything between.
   */
  grid?: { startMs: number; stepMs: number; windowMs: number };
  /**
   * Set when the selector is evaluated at maxMs only (an instant vector selector of an instant
   * query): only each series' newest sample in the span matters, and the source may return just it.
   */
  latest?: boolean;
}

/** One stored series, samples oldest first; `stale[i]` is 1 where the sample is a stale marker. */
export interface StoredSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  stale: Uint8Array;
}

/** Samples a query may still load; sources refuse (execution error) rather than exceed it. */
export interface SampleBudget {
  remaining: number;
}

/** Where the engine reads series from: the SQL store, or anything else with the same contract. */
export interface SeriesSource {
  select(request: SelectRequest, budget: SampleBudget, signal?: AbortSignal): Promise<StoredSeries[]>;
}
