import { describe, expect, it } from 'vitest';
import { requestVersion } from './request-version.ts';

describe('requestVersion', () => {
  it.each([
    [undefined, 'v1'],
    ['', 'v1'],
    ['application/x-protobuf', 'v1'],
    ['Application/X-Protobuf; charset=utf-8', 'v1'],
    ['application/x-protobuf;proto=prometheus.WriteRequest', 'v1'],
    ['application/x-protobuf;proto=io.prometheus.write.v2.Request', 'v2'],
    ['application/x-protobuf; proto="io.prometheus.write.v2.Request"', 'v2'],
  ])('reads Content-Type %s as %s (compat §2.4, §2.7)', (type, version) => {
    expect(requestVersion(type, 'snappy')).toBe(version);
  });

  it.each(['application/json', 'image/png', 'application/x-protobuf;proto=io.prometheus.write.v3.Request', 'text/plain'])('refuses Content-Type %s with 415', (type) => {
    expect(() => requestVersion(type, 'snappy')).toThrow(expect.objectContaining({ status: 415 }));
  });

  it('accepts snappy or no Content-Encoding and refuses the rest with 415', () => {
    expect(requestVersion('application/x-protobuf', undefined)).toBe('v1');
    expect(requestVersion('application/x-protobuf', 'Snappy')).toBe('v1');
    for (const encoding of ['gzip', 'deflate', 'zstd']) expect(() => requestVersion('application/x-protobuf', encoding)).toThrow(expect.objectContaining({ status: 415 }));
  });
});
