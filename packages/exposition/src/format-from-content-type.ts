import type { ExpositionFormat } from './exposition.ts';

/**
 * The `Accept` header a scraper using this package sends: Prometheus 2.42's list (compat §1.1),
 * OpenMetrics first, with the formats this package cannot parse (protobuf) left out.
 */
export const SCRAPE_ACCEPT_HEADER =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** A response media type that no parser here reads, when no fallback was given. */
export class UnsupportedMediaTypeError extends Error {
  readonly code = 'EXPOSITION_MEDIA_TYPE';
  readonly contentType: string | undefined;
  constructor(contentType: string | undefined) {
    super(contentType === undefined ? 'the response has no Content-Type' : `unsupported Content-Type "${contentType}"`);
    this.name = 'UnsupportedMediaTypeError';
    this.contentType = contentType;
  }
}

/**
 * Chooses the parser by media type only, as Prometheus does (compat §1.1): any
 * `application/openmetrics-text` (versions 0.0.1 and 1.0.0) is OpenMetrics, any `text/plain` is
 * text 0.0.4 whatever its `version`. A missing, unparseable or other type gets `fallback`: by
 * default `'text'`, which is what Prometheus 2.42 does; pass `null` to throw
 * `UnsupportedMediaTypeError` instead, as Prometheus 3 does without `fallback_scrape_protocol`.
 */
export function formatFromContentType(contentType: string | null | undefined, fallback: ExpositionFormat | null = 'text'): ExpositionFormat {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/openmetrics-text') return 'openmetrics';
  if (mediaType === 'text/plain') return 'text';
  if (fallback === null) throw new UnsupportedMediaTypeError(contentType ?? undefined);
  return fallback;
}
