import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Family } from './metric-family.ts';

// The exporter's own process metrics, as node_exporter exposes process_* for itself. Only these
// prom-client defaults are kept: the others include gauges ending in `_total` that promtool flags
// and a GC histogram nothing here needs. None of them overlaps a family the collectors write.
const KEEP = new Set([
  'process_cpu_seconds_total',
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_version_info',
]);

/** The exporter's own process metrics from an own prom-client Registry (never the global one). */
export interface SelfMetrics {
  collect(): Promise<Family[]>;
}

export function createSelfMetrics(): SelfMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    const name = (metric as unknown as { name: string }).name;
    if (!KEEP.has(name)) registry.removeSingleMetric(name);
  }
  return {
    async collect() {
      const json = await registry.getMetricsAsJSON();
      const out: Family[] = [];
      for (const m of json) {
        const type = String(m.type);
        if (type !== 'counter' && type !== 'gauge') continue;
        out.push({
          name: m.name,
          help: m.help,
          type,
          samples: m.values.map((v) => ({
            labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)])),
            value: v.value,
          })),
        });
      }
      return out;
    },
  };
}
