/**
 * An SVG path drawing `values` across a `width`×`height` box (y grows downwards); the scale is
 * 0–100 (percent) widened to the values' own range when they leave it. Empty for fewer than 2 values.
 */
export function sparklinePath(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const lo = Math.min(0, ...values);
  const hi = Math.max(100, ...values);
  const dx = width / (values.length - 1);
  return values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * dx).toFixed(1)},${(height - ((v - lo) / (hi - lo)) * height).toFixed(1)}`)
    .join(' ');
}
