import { createRequire } from 'node:module';
import type { ObservableResult } from '@opentelemetry/api';
import type * as PrometheusExporterModule from '@opentelemetry/exporter-prometheus';
import type * as SdkMetricsModule from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricReader } from '@opentelemetry/sdk-metrics';
import type { FamilySet } from './family-set.ts';
import type { Family, Labels, Sample } from './metric-family.ts';

/**
 * Records each scrape's samples through the OpenTelemetry SDK (observable instruments on an own
 * MeterProvider, read by @opentelemetry/exporter-prometheus as a pull reader) and returns what the
 * SDK collected. Serialization is ours: the stock serializer cannot write node_exporter's exact
 * names and types (untyped, `_total` on the TYPE line, gauges ending `_bytes`).
 */
export interface OtelRecorder {
  record(samples: FamilySet): Promise<Family[]>;
  close(): Promise<void>;
}

// The OpenTelemetry packages are loaded as CommonJS: exporter-prometheus's ESM build does
// `import { createServer } from "http"`, and an ESM import of node:http evaluates its lazy WebSocket
// getter, which loads undici (~14 MiB of RSS, measured alone) that an exporter never uses.
const require = createRequire(import.meta.url);
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus') as typeof PrometheusExporterModule;
const { MeterProvider } = require('@opentelemetry/sdk-metrics') as typeof SdkMetricsModule;

// The SDK keeps every attribute set an observable instrument ever reported (cumulative temporality),
// so series that vanish (a process exits, a filesystem is unmounted) would live forever. We drop them
// from each collection and rebuild the provider once that many have piled up, which bounds memory.
const MAX_STALE_POINTS = 2000;

function labelKey(labels: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const n of names) key += `${n}\u0000${String(labels[n])}\u0001`;
  return key;
}

interface Pipeline {
  provider: InstanceType<typeof MeterProvider>;
  reader: MetricReader;
  instruments: Set<string>;
}

/** Creates a recorder with its own MeterProvider (never the global one). */
export function createOtelRecorder(): OtelRecorder {
  let current = new Map<string, Family>();
  let pipeline = createPipeline();

  function createPipeline(): Pipeline {
    // sdk-metrics is pinned to the version exporter-prometheus pins, so both share one copy.
    const reader: MetricReader = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
    });
    const provider = new MeterProvider({ readers: [reader] });
    return { provider, reader, instruments: new Set() };
  }

  function ensureInstrument(p: Pipeline, fam: Family): void {
    if (p.instruments.has(fam.name)) return;
    p.instruments.add(fam.name);
    const meter = p.provider.getMeter('sextant-exporter');
    const observe = (result: ObservableResult): void => {
      for (const s of current.get(fam.name)?.samples ?? []) result.observe(s.value, s.labels);
    };
    // Counters are monotonic sums in OTel; gauges and node_exporter's untyped families are gauges.
    const instrument =
      fam.type === 'counter'
        ? meter.createObservableCounter(fam.name, { description: fam.help })
        : meter.createObservableGauge(fam.name, { description: fam.help });
    instrument.addCallback(observe);
  }

  return {
    async record(samples) {
      current = samples.families;
      const out: Family[] = [];
      for (const fam of current.values()) {
        // OTel observable instruments cannot carry pre-aggregated buckets or quantiles (textfile
        // histograms and summaries), so those families go to the serializer as read.
        if (fam.type === 'histogram' || fam.type === 'summary') out.push(fam);
        else ensureInstrument(pipeline, fam);
      }
      const { resourceMetrics, errors } = await pipeline.reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'OpenTelemetry collection failed');
      let stale = 0;
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          const fam = current.get(metric.descriptor.name);
          if (fam === undefined) {
            stale += metric.dataPoints.length;
            continue;
          }
          let points: readonly DataPoint<unknown>[] = metric.dataPoints;
          if (points.length !== fam.samples.length) {
            const live = new Set(fam.samples.map((s) => labelKey(s.labels)));
            points = points.filter((p) => live.has(labelKey(p.attributes)));
            stale += metric.dataPoints.length - points.length;
          }
          const converted: Sample[] = points.map((p) => ({
            labels: p.attributes as Labels,
            value: typeof p.value === 'number' ? p.value : Number.NaN,
          }));
          out.push({ name: fam.name, help: fam.help, type: fam.type, samples: converted });
        }
      }
      if (stale > MAX_STALE_POINTS) {
        const old = pipeline;
        pipeline = createPipeline();
        await old.provider.shutdown();
      }
      return out;
    },
    async close() {
      await pipeline.provider.shutdown();
    },
  };
}
