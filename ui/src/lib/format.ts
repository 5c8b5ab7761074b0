/** `42.3 %`, or an en dash without a reading. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(1)} %`;
}

const RATE_UNITS = ['B/s', 'KB/s', 'MB/s', 'GB/s', 'TB/s'];

/** Bytes per second in decimal units: `1.2 MB/s`. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  let v = Math.abs(value);
  let unit = 0;
  while (v >= 1000 && unit < RATE_UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${(Math.sign(value) * v).toFixed(v >= 100 || unit === 0 ? 0 : 1)} ${RATE_UNITS[unit]}`;
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}

/** A date and time in `timeZone` ('' = the browser's). */
export function formatTime(at: string | number | null, timeZone = '', withSeconds = false): string {
  if (at === null) return '–';
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: 'short',
    timeStyle: withSeconds ? 'medium' : 'short',
    ...(timeZone === '' ? {} : { timeZone }),
  }).format(new Date(at));
}
