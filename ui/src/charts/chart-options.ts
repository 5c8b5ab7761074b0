import type { SeriesPoint } from '../api/types.ts';

export type ChartField = 'cpuUsage' | 'memoryUsage' | 'diskUsage' | 'load1' | 'netRxBps' | 'netTxBps';
export type ChartUnit = 'percent' | 'rate' | 'plain';

export interface ChartSpec {
  id: string;
  title: string;
  unit: ChartUnit;
  series: Array<{ field: ChartField; name: string }>;
}

/** The detail view's charts. */
export const SERVER_CHARTS: readonly ChartSpec[] = [
  { id: 'cpu', title: 'CPU', unit: 'percent', series: [{ field: 'cpuUsage', name: 'CPU' }] },
  { id: 'memory', title: 'Memory', unit: 'percent', series: [{ field: 'memoryUsage', name: 'Memory' }] },
  { id: 'disk', title: 'Disk', unit: 'percent', series: [{ field: 'diskUsage', name: 'Disk' }] },
  { id: 'load', title: 'Load (1 min)', unit: 'plain', series: [{ field: 'load1', name: 'Load 1m' }] },
  {
    id: 'network',
    title: 'Network',
    unit: 'rate',
    series: [
      { field: 'netRxBps', name: 'Received' },
      { field: 'netTxBps', name: 'Sent' },
    ],
  },
];

export interface ChartContext {
  fromMs: number;
  toMs: number;
  /** IANA zone for axis labels and tooltips; '' = the browser's. */
  timeZone: string;
  dark: boolean;
  /** Bucket width: gaps longer than two steps break the line. */
  stepSeconds: number;
}

/** Series with at most this many points draw a dot on each. */
export const SYMBOLS_UP_TO = 60;

const PALETTE = ['#2563eb', '#16a34a', '#ea580c', '#9333ea'];

/** `[time, value]` pairs of one field, with a null (a break in the line) where samples are missing for more than two steps. */
export function toPairs(points: readonly SeriesPoint[], field: ChartField, stepSeconds: number): Array<[number, number | null]> {
  const pairs: Array<[number, number | null]> = [];
  const gap = Math.max(1, stepSeconds) * 2000;
  let previous: number | undefined;
  for (const p of points) {
    const t = Date.parse(p.timestamp);
    if (previous !== undefined && t - previous > gap) pairs.push([previous + 1, null]);
    pairs.push([t, p[field]]);
    previous = t;
  }
  return pairs;
}

export function formatValue(value: number, unit: ChartUnit): string {
  if (unit === 'percent') return `${value.toFixed(1)} %`;
  if (unit === 'rate') {
    const units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
    let v = value;
    let i = 0;
    while (Math.abs(v) >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }
  return value.toFixed(2);
}

function axisTime(ms: number, spanMs: number, timeZone: string): string {
  const day = spanMs > 2 * 86_400_000;
  return new Intl.DateTimeFormat(undefined, {
    ...(day ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit', hour12: false }),
    ...(timeZone === '' ? {} : { timeZone }),
  }).format(ms);
}

/** A sentence describing the chart for screen readers: title, range and the latest value. */
export function chartDescription(spec: ChartSpec, points: readonly SeriesPoint[]): string {
  if (points.length === 0) return `${spec.title}: no data in this range`;
  const latest = points.at(-1)!;
  const parts = spec.series.map((s) => {
    const v = latest[s.field];
    return `${s.name} ${v === null ? 'no reading' : formatValue(v, spec.unit)}`;
  });
  return `${spec.title} chart, ${points.length} points; latest ${parts.join(', ')}`;
}

/**
 * The ECharts option of one time-series chart: a time axis fixed to the range (so an empty stretch
 * shows as empty), inside and slider zoom, a tooltip in the chosen zone, ARIA description on.
 */
export function buildTimeSeriesOption(spec: ChartSpec, points: readonly SeriesPoint[], ctx: ChartContext) {
  const text = ctx.dark ? '#cbd5e1' : '#334155';
  const grid = ctx.dark ? '#334155' : '#e2e8f0';
  const span = ctx.toMs - ctx.fromMs;
  return {
    animation: false,
    aria: { enabled: true, label: { description: chartDescription(spec, points) } },
    color: PALETTE,
    grid: { left: 56, right: 16, top: 28, bottom: 56 },
    legend: spec.series.length > 1 ? { top: 0, right: 0, textStyle: { color: text } } : undefined,
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v, spec.unit) : '–'),
    },
    xAxis: {
      type: 'time',
      min: ctx.fromMs,
      max: ctx.toMs,
      axisLabel: { color: text, hideOverlap: true, formatter: (ms: number) => axisTime(ms, span, ctx.timeZone) },
      axisLine: { lineStyle: { color: grid } },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: spec.unit === 'percent' ? 0 : undefined,
      max: spec.unit === 'percent' ? 100 : undefined,
      axisLabel: { color: text, formatter: (v: number) => formatValue(v, spec.unit) },
      splitLine: { lineStyle: { color: grid } },
    },
    dataZoom: [
      { type: 'inside', filterMode: 'none' },
      { type: 'slider', filterMode: 'none', height: 18, bottom: 8 },
    ],
    series: spec.series.map((s) => ({
      name: s.name,
      type: 'line',
      // Few points (a new server, a fresh range) show as dots; many as a line alone.
      showSymbol: points.length <= SYMBOLS_UP_TO,
      symbolSize: 4,
      connectNulls: false,
      sampling: 'lttb',
      areaStyle: spec.series.length === 1 ? { opacity: 0.12 } : undefined,
      data: toPairs(points, s.field, ctx.stepSeconds),
    })),
  };
}

export type TimeSeriesOption = ReturnType<typeof buildTimeSeriesOption>;

/** The time window a zoom of `startPercent`–`endPercent` of the range shows; null when it is (nearly) the whole range. */
export function zoomWindow(ctx: Pick<ChartContext, 'fromMs' | 'toMs'>, startPercent: number, endPercent: number): { fromMs: number; toMs: number } | null {
  if (startPercent <= 0.5 && endPercent >= 99.5) return null;
  const span = ctx.toMs - ctx.fromMs;
  return { fromMs: Math.round(ctx.fromMs + (span * startPercent) / 100), toMs: Math.round(ctx.fromMs + (span * endPercent) / 100) };
}
