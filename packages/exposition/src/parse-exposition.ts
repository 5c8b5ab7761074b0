import type { Exposition, ExpositionFormat, ParseOptions } from './exposition.ts';
import { parseOpenMetrics } from './parse-open-metrics.ts';
import { parsePrometheusText } from './parse-prometheus-text.ts';

/**
 * Parses a whole scrape body in the given format (pick it with `formatFromContentType`). Returns
 * the declared families and every sample in order; throws `ExpositionParseError` (with the line
 * number) for a body the format does not allow, which invalidates the whole body (compat §1.3).
 */
export function parseExposition(input: string, format: ExpositionFormat, options: ParseOptions = {}): Exposition {
  return format === 'openmetrics' ? parseOpenMetrics(input, options) : parsePrometheusText(input, options);
}
