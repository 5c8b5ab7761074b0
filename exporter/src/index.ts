// @sextant/exporter: node_exporter-compatible host metrics through the OpenTelemetry SDK.
export { exporterConfigSchema, exporterEnvHelp } from './config.ts';
export type { ExporterConfig } from './config.ts';
export { startExporter } from './start-exporter.ts';
export type { RunningExporter } from './start-exporter.ts';
export { serializeExposition } from './serialize-exposition.ts';
export type { ExpositionFormat } from './serialize-exposition.ts';
