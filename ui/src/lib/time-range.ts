export const RANGE_PRESETS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

const PRESET_MS: Record<RangePreset, number> = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 };

/** A chart range: a preset ending now (live), or custom bounds; `toMs` null means "now". */
export type TimeRange = { preset: RangePreset } | { preset: 'custom'; fromMs: number; toMs: number | null };

/** The bounds of `range` at `now`, epoch ms. */
export function resolveRange(range: TimeRange, now: number): { fromMs: number; toMs: number } {
  if (range.preset === 'custom') return { fromMs: range.fromMs, toMs: range.toMs ?? now };
  return { fromMs: now - PRESET_MS[range.preset], toMs: now };
}

/** A range that ends now follows live data. */
export function isLive(range: TimeRange): boolean {
  return range.preset !== 'custom' || range.toMs === null;
}

/** Parses a custom range from two `datetime-local` values (to empty = now); an error message when invalid. */
export function customRange(from: string, to: string): TimeRange | string {
  const fromMs = Date.parse(from);
  if (Number.isNaN(fromMs)) return 'Enter a start time.';
  const toMs = to === '' ? null : Date.parse(to);
  if (toMs !== null && Number.isNaN(toMs)) return 'The end time is not valid.';
  if ((toMs ?? Date.now()) <= fromMs) return 'The start must be before the end.';
  return { preset: 'custom', fromMs, toMs };
}
