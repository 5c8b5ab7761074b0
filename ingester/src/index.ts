export type { Labels, MetricMetadata, Sample, SeriesSamples, WriteBatch, WriteResult, Writer } from './write-batch.ts';
export { STALE_NAN_BITS } from './write-batch.ts';
