import { describe, expect, it } from 'vitest';
import type { Family } from './metric-family.ts';
import { formatValue, serializeExposition } from './serialize-exposition.ts';

const families: Family[] = [
  { name: 'node_vmstat_pgfault', type: 'untyped', help: '/proc/vmstat information field pgfault.', samples: [{ labels: {}, value: 7 }] },
  {
    name: 'node_cpu_seconds_total',
    type: 'counter',
    help: 'Seconds the CPUs spent in each mode.',
    samples: [{ labels: { mode: 'idle', cpu: '0' }, value: 1.5 }],
  },
  { name: 'x_info', type: 'gauge', help: 'Back\\slash\nnew "q"', samples: [{ labels: { v: 'a"b\\c\nd' }, value: 1 }] },
  { name: 'empty', type: 'gauge', help: 'no samples', samples: [] },
];

describe('serializeExposition', () => {
  it('writes text 0.0.4 with HELP then TYPE, families sorted, labels sorted and escaped', () => {
    expect(serializeExposition(families, 'text-0.0.4')).toBe(
      [
        '# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.',
        '# TYPE node_cpu_seconds_total counter',
        'node_cpu_seconds_total{cpu="0",mode="idle"} 1.5',
        '# HELP node_vmstat_pgfault /proc/vmstat information field pgfault.',
        '# TYPE node_vmstat_pgfault untyped',
        'node_vmstat_pgfault 7',
        '# HELP x_info Back\\\\slash\\nnew "q"',
        '# TYPE x_info gauge',
        'x_info{v="a\\"b\\\\c\\nd"} 1',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics: family names without _total, unknown for untyped, # EOF', () => {
    const om = serializeExposition(families, 'openmetrics-1.0.0');
    expect(om).toContain('# TYPE node_cpu_seconds counter\n# HELP node_cpu_seconds Seconds');
    expect(om).toContain('node_cpu_seconds_total{cpu="0",mode="idle"} 1.5\n');
    expect(om).toContain('# TYPE node_vmstat_pgfault unknown\n');
    expect(om).toContain('# HELP x_info Back\\\\slash\\nnew \\"q\\"\n');
    expect(om.endsWith('# EOF\n')).toBe(true);
  });

  it('formats special floats the Go way', () => {
    expect([NaN, Infinity, -Infinity, 1e21, 0.5].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '1e+21', '0.5']);
  });
});
