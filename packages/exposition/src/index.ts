export type {
  Exemplar,
  Exposition,
  ExpositionFamily,
  ExpositionFormat,
  ExpositionSample,
  Labels,
  MetricType,
  ParseOptions,
} from './exposition.ts';
export { ExpositionParseError } from './exposition-parse-error.ts';
export { formatFromContentType, SCRAPE_ACCEPT_HEADER, UnsupportedMediaTypeError } from './format-from-content-type.ts';
export { formatGoFloat, parseGoFloat } from './go-float.ts';
export { parseExposition } from './parse-exposition.ts';
export { parseOpenMetrics } from './parse-open-metrics.ts';
export { parsePrometheusText } from './parse-prometheus-text.ts';
export { renderExposition } from './render-exposition.ts';
