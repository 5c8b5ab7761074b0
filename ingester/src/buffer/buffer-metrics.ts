import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { DiskBuffer } from './disk-buffer.ts';

/** Exposes what waits in the disk buffer on the ingester's own `/metrics`. */
export function registerBufferMetrics(registry: Registry, buffer: DiskBuffer): void {
  new Gauge({
    name: 'sextant_ingester_buffer_batches',
    help: 'Scrape batches waiting on disk for PostgreSQL to come back.',
    registers: [registry],
    collect() {
      this.set(buffer.batches);
    },
  });
  new Gauge({
    name: 'sextant_ingester_buffer_bytes',
    help: 'Bytes of scrape batches waiting on disk for PostgreSQL to come back.',
    registers: [registry],
    collect() {
      this.set(buffer.bytes);
    },
  });
  let reported = 0;
  new Counter({
    name: 'sextant_ingester_buffer_dropped_batches_total',
    help: 'Buffered scrape batches dropped: the buffer was full, or a file was corrupt.',
    registers: [registry],
    collect() {
      this.inc(buffer.dropped - reported);
      reported = buffer.dropped;
    },
  });
}
