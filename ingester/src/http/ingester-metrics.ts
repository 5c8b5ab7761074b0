import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The ingester's own metrics, served at `/metrics`; one set per server instance (no global registry). */
export interface IngesterMetrics {
  registry: Registry;
  /** Remote-write requests by protocol version and HTTP status. */
  requests: Counter<'version' | 'code'>;
  /** Time from the request's arrival to its answer (after commit for a 204). */
  duration: Histogram<'version'>;
  /** Samples decoded from valid series of remote-write requests. */
  samplesReceived: Counter<'version'>;
  /** Samples newly stored; a retried request's samples count under `samplesDuplicate`. */
  samplesStored: Counter;
  samplesDuplicate: Counter;
  seriesCreated: Counter;
  /** Series or items refused with a 400 (invalid labels, native histograms, exemplars, …). */
  refused: Counter<'version'>;
}

/**
 * Creates the remote-write metrics in `registry`. Without one, a fresh registry is made and the
 * process metrics of prom-client (CPU, memory, event loop) are added to it.
 */
export function createIngesterMetrics(registry?: Registry): IngesterMetrics {
  const registers = [registry ?? new Registry()];
  if (registry === undefined) collectDefaultMetrics({ register: registers[0] });
  return {
    registry: registers[0]!,
    requests: new Counter({ name: 'sextant_remote_write_requests_total', help: 'Remote-write requests by version and HTTP status code.', labelNames: ['version', 'code'], registers }),
    duration: new Histogram({
      name: 'sextant_remote_write_request_duration_seconds',
      help: 'Remote-write request duration until the answer (after commit for 204).',
      labelNames: ['version'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    samplesReceived: new Counter({ name: 'sextant_remote_write_samples_received_total', help: 'Samples received in valid remote-write series.', labelNames: ['version'], registers }),
    samplesStored: new Counter({ name: 'sextant_remote_write_samples_stored_total', help: 'Remote-write samples newly stored (committed).', registers }),
    samplesDuplicate: new Counter({ name: 'sextant_remote_write_samples_duplicate_total', help: 'Remote-write samples already stored (retried requests).', registers }),
    seriesCreated: new Counter({ name: 'sextant_remote_write_series_created_total', help: 'Series created by remote-write requests.', registers }),
    refused: new Counter({ name: 'sextant_remote_write_refused_total', help: 'Series or items of remote-write requests refused with 400.', labelNames: ['version'], registers }),
  };
}
