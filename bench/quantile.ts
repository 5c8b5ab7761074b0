/** The `q` quantile (0–1) of ascending `sorted` values: the nearest-rank sample, no interpolation. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
