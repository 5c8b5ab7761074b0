import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../src/api/types.ts';
import { buildTimeSeriesOption, chartDescription, formatValue, SERVER_CHARTS, SYMBOLS_UP_TO, toPairs, zoomWindow } from '../src/charts/chart-options.ts';

const point = (timestamp: string, cpuUsage: number | null, extra: Partial<SeriesPoint> = {}): SeriesPoint => ({
  timestamp, samples: 1, cpuUsage, memoryUsage: 40, diskUsage: 50, load1: 0.5, netRxBps: 1500, netTxBps: 250, ...extra,
});
const spec = (id: string) => SERVER_CHARTS.find((s) => s.id === id)!;
const ctx = { fromMs: Date.parse('2026-03-10T12:00:00Z'), toMs: Date.parse('2026-03-10T13:00:00Z'), timeZone: 'UTC', dark: false, stepSeconds: 60 };

describe('chart option builders', () => {
  it('pairs points by time and breaks the line over gaps longer than two steps', () => {
    const points = [point('2026-03-10T12:00:00Z', 10), point('2026-03-10T12:01:00Z', 20), point('2026-03-10T12:10:00Z', 30)];
    const pairs = toPairs(points, 'cpuUsage', 60);
    expect(pairs).toEqual([
      [Date.parse('2026-03-10T12:00:00Z'), 10],
      [Date.parse('2026-03-10T12:01:00Z'), 20],
      [Date.parse('2026-03-10T12:01:00Z') + 1, null],
      [Date.parse('2026-03-10T12:10:00Z'), 30],
    ]);
    expect(toPairs(points.slice(0, 2), 'cpuUsage', 60)).toHaveLength(2);
  });

  it('fixes the time axis to the range and percent charts to 0–100', () => {
    const option = buildTimeSeriesOption(spec('cpu'), [point('2026-03-10T12:30:00Z', 42)], ctx);
    expect(option.xAxis.min).toBe(ctx.fromMs);
    expect(option.xAxis.max).toBe(ctx.toMs);
    expect([option.yAxis.min, option.yAxis.max]).toEqual([0, 100]);
    expect(option.series).toHaveLength(1);
    expect(option.series[0]!.data).toEqual([[Date.parse('2026-03-10T12:30:00Z'), 42]]);
    expect(option.dataZoom.map((z) => z.type)).toEqual(['inside', 'slider']);
    expect(option.legend).toBeUndefined();
    expect(option.series[0]!.showSymbol).toBe(true);
    const many = Array.from({ length: SYMBOLS_UP_TO + 1 }, (_, i) => point(new Date(ctx.fromMs + i * 60_000).toISOString(), i));
    expect(buildTimeSeriesOption(spec('cpu'), many, ctx).series[0]!.showSymbol).toBe(false);
  });

  it('draws both network directions with a legend and rate labels; load is unbounded', () => {
    const network = buildTimeSeriesOption(spec('network'), [point('2026-03-10T12:30:00Z', 1)], ctx);
    expect(network.series.map((s) => s.name)).toEqual(['Received', 'Sent']);
    expect(network.series.map((s) => s.data[0]![1])).toEqual([1500, 250]);
    expect(network.legend).toBeDefined();
    expect(network.yAxis.axisLabel.formatter(1500)).toBe('1.5 KB/s');
    const load = buildTimeSeriesOption(spec('load'), [], ctx);
    expect([load.yAxis.min, load.yAxis.max]).toEqual([undefined, undefined]);
  });

  it('labels the time axis in the chosen zone, by hour for short ranges and by day for long ones', () => {
    const utc = buildTimeSeriesOption(spec('cpu'), [], ctx);
    const at = Date.parse('2026-03-10T12:30:00Z');
    expect(utc.xAxis.axisLabel.formatter(at)).toMatch(/12.30/);
    const tokyo = buildTimeSeriesOption(spec('cpu'), [], { ...ctx, timeZone: 'Asia/Tokyo' });
    expect(tokyo.xAxis.axisLabel.formatter(at)).toMatch(/21.30/);
    const week = buildTimeSeriesOption(spec('cpu'), [], { ...ctx, fromMs: ctx.toMs - 7 * 86_400_000 });
    expect(week.xAxis.axisLabel.formatter(at)).toMatch(/10/);
    expect(week.xAxis.axisLabel.formatter(at)).not.toMatch(/12.30/);
  });

  it('describes the chart for screen readers, empty or not', () => {
    expect(chartDescription(spec('cpu'), [])).toBe('CPU: no data in this range');
    const text = chartDescription(spec('network'), [point('2026-03-10T12:00:00Z', 5), point('2026-03-10T12:01:00Z', 6, { netRxBps: 2_500_000, netTxBps: null })]);
    expect(text).toBe('Network chart, 2 points; latest Received 2.5 MB/s, Sent no reading');
    const option = buildTimeSeriesOption(spec('cpu'), [point('2026-03-10T12:00:00Z', 12.345)], ctx);
    expect(option.aria).toEqual({ enabled: true, label: { description: 'CPU chart, 1 points; latest CPU 12.3 %' } });
  });

  it('formats values by unit and follows the theme', () => {
    expect(formatValue(99.95, 'percent')).toBe('100.0 %');
    expect(formatValue(999, 'rate')).toBe('999 B/s');
    expect(formatValue(3.14159, 'plain')).toBe('3.14');
    const dark = buildTimeSeriesOption(spec('cpu'), [], { ...ctx, dark: true });
    const light = buildTimeSeriesOption(spec('cpu'), [], ctx);
    expect(dark.xAxis.axisLabel.color).not.toBe(light.xAxis.axisLabel.color);
  });

  it('turns a zoom into the time window it shows', () => {
    expect(zoomWindow(ctx, 0, 100)).toBeNull();
    expect(zoomWindow(ctx, 25, 50)).toEqual({ fromMs: ctx.fromMs + 15 * 60_000, toMs: ctx.fromMs + 30 * 60_000 });
  });
});
