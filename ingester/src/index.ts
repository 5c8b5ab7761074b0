export type { Labels, MetricMetadata, Sample, SeriesSamples, WriteBatch, WriteResult, Writer } from './write-batch.ts';
export { STALE_NAN_BITS } from './write-batch.ts';
export { createWriter } from './writer/create-writer.ts';
export type { WriterOptions } from './writer/create-writer.ts';
export { labelSetKey } from './writer/label-set-key.ts';
export { SampleOutOfBoundsError } from './writer/sample-out-of-bounds-error.ts';
export { WriteRejectedError } from './writer/write-rejected-error.ts';
