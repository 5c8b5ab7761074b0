import type { Labels } from './ast.ts';

/** One element of an instant vector; `t` is set only by a vector selector (the sample's own time). */
export interface Sample {
  labels: Labels;
  v: number;
  t?: number;
}

/** One series of a range vector (points in time order). */
export interface RangeSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
}

export type Value =
  | { type: 'scalar'; v: number }
  | { type: 'string'; s: string }
  | { type: 'vector'; samples: Sample[] }
  | { type: 'matrix'; series: RangeSeries[] };
