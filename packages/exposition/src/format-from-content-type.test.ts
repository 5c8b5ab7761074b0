import { describe, expect, it } from 'vitest';
import { formatFromContentType, UnsupportedMediaTypeError } from './format-from-content-type.ts';

describe('formatFromContentType', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text; version=0.0.1; charset=utf-8', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['text/plain; version=1.0.0; escaping=allow-utf-8', 'text'],
    ['text/plain', 'text'],
  ] as const)('%s → %s (media type only, version not checked)', (contentType, format) => {
    expect(formatFromContentType(contentType)).toBe(format);
  });

  it('falls back to text 0.0.4 for a missing or unknown type, as Prometheus 2.42 does', () => {
    expect(formatFromContentType(undefined)).toBe('text');
    expect(formatFromContentType(null)).toBe('text');
    expect(formatFromContentType('')).toBe('text');
    expect(formatFromContentType('application/json')).toBe('text');
    expect(formatFromContentType('application/json', 'openmetrics')).toBe('openmetrics');
  });

  it('throws a typed error instead when the fallback is null, as Prometheus 3 does', () => {
    expect(() => formatFromContentType('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily', null)).toThrow(UnsupportedMediaTypeError);
    expect(() => formatFromContentType(undefined, null)).toThrow(/no Content-Type/);
  });
});
