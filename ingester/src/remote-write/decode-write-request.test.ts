import { describe, expect, it } from 'vitest';
import { v1Bytes, v2Bytes, STALE_SENTINEL } from '../../test/remote-write-requests.ts';
import { decodeWriteRequest } from './decode-write-request.ts';
import { RemoteWriteError } from './remote-write-error.ts';

// Hand-made 1.0 bytes, for layouts the encoder never writes (lengths and times below 128).
const field = (tag: number, body: Uint8Array) => Buffer.concat([Buffer.from([tag, body.length]), body]);
const label = (name: string, value: string) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(name)), field(0x12, Buffer.from(value))]));
const sample = (value: number, timestamp: number) => {
  const bits = Buffer.alloc(8);
  bits.writeDoubleLE(value);
  return field(0x12, Buffer.concat([Buffer.from([0x09]), bits, Buffer.from([0x10, timestamp])]));
};
const request = (...series: Buffer[][]) => Buffer.concat(series.map((fields) => field(0x0a, Buffer.concat(fields))));

describe('decodeWriteRequest', () => {
  it('1.0: labels, samples with exact millisecond times, the stale flag from the raw bits, and metadata', () => {
    const body = v1Bytes(
      [{ labels: { __name__: 'm', job: 'j' }, samples: [{ value: 1.5, timestamp: 1_700_000_000_123 }, { value: STALE_SENTINEL, timestamp: 1_700_000_001_123 }] }],
      [{ type: 2, metric_family_name: 'm', help: 'H', unit: 'u' }],
    );
    const decoded = decodeWriteRequest(body, 'v1');
    expect(decoded.samples).toBe(2);
    expect(decoded.refused).toBe(0);
    const [series] = decoded.batch.series;
    expect(series!.labels).toEqual({ __name__: 'm', job: 'j' });
    expect(series!.samples[0]).toEqual({ timestampMs: 1_700_000_000_123, value: 1.5, stale: false });
    expect(series!.samples[1]).toMatchObject({ timestampMs: 1_700_000_001_123, stale: true });
    expect(Number.isNaN(series!.samples[1]!.value)).toBe(true);
    expect(decoded.batch.metadata).toEqual([{ family: 'm', type: 'gauge', help: 'H', unit: 'u' }]);
  });

  it('1.0: the same label bytes give the same labels hash, other labels another', () => {
    const a = decodeWriteRequest(v1Bytes([{ labels: { __name__: 'm', job: 'j' }, samples: [{ value: 1, timestamp: 1 }] }]), 'v1');
    const b = decodeWriteRequest(v1Bytes([{ labels: { __name__: 'm', job: 'j' }, samples: [{ value: 2, timestamp: 2 }] }]), 'v1');
    const c = decodeWriteRequest(v1Bytes([{ labels: { __name__: 'm', job: 'k' }, samples: [{ value: 2, timestamp: 2 }] }]), 'v1');
    expect(a.batch.series[0]!.labelsHash).toBeTypeOf('number');
    expect(a.batch.series[0]!.labelsHash).toBe(b.batch.series[0]!.labelsHash);
    expect(c.batch.series[0]!.labelsHash).not.toBe(a.batch.series[0]!.labelsHash);
  });

  it('1.0: label bytes seen before give the same labels object; labels continuing after the samples get their own', () => {
    const first = decodeWriteRequest(request([label('__name__', 'shared_m'), label('job', 'j'), sample(1, 1)]), 'v1').batch.series[0]!;
    const again = decodeWriteRequest(request([label('__name__', 'shared_m'), label('job', 'j'), sample(2, 2)]), 'v1').batch.series[0]!;
    expect(again.labels).toBe(first.labels);
    expect(again.labelsHash).toBe(first.labelsHash);
    const split = decodeWriteRequest(request([label('__name__', 'shared_m'), label('job', 'j'), sample(3, 3), label('extra', 'x')]), 'v1');
    expect(split.batch.series[0]!.labels).toEqual({ __name__: 'shared_m', job: 'j', extra: 'x' });
    expect(split.batch.series[0]!.labelsHash).toBeUndefined();
    expect(first.labels).toEqual({ __name__: 'shared_m', job: 'j' });
    const later = decodeWriteRequest(request([label('__name__', 'shared_m'), label('job', 'j'), sample(4, 4)]), 'v1').batch.series[0]!;
    expect(later.labels).toBe(first.labels);
    expect(later.labels).toEqual({ __name__: 'shared_m', job: 'j' });
  });

  it('1.0: a refused label set is refused every time its bytes come again', () => {
    const bytes = request([label('__name__', 'twice'), label('a', '1'), label('a', '2'), sample(1, 1)]);
    for (let i = 0; i < 2; i++) {
      const decoded = decodeWriteRequest(bytes, 'v1');
      expect(decoded.batch.series).toEqual([]);
      expect(decoded.problems).toEqual([expect.stringMatching(/"a" appears twice/)]);
    }
  });

  it('2.0: labels from the symbols table, metadata per series', () => {
    const decoded = decodeWriteRequest(v2Bytes([{ labels: { __name__: 'c_total', job: 'j' }, samples: [{ value: 3, timestamp: 5 }], metadata: { type: 1, help: 'Count.' } }]), 'v2');
    expect(decoded.batch.series).toEqual([{ labels: { __name__: 'c_total', job: 'j' }, samples: [{ timestampMs: 5, value: 3, stale: false }] }]);
    expect(decoded.batch.metadata).toEqual([{ family: 'c_total', type: 'counter', help: 'Count.', unit: '' }]);
  });

  it('says which series it refused and keeps the rest', () => {
    const decoded = decodeWriteRequest(
      v1Bytes([
        { labels: { job: 'nameless' }, samples: [{ value: 1, timestamp: 1 }] },
        { labels: { __name__: 'ok' }, samples: [{ value: 1, timestamp: 1 }] },
        { labels: {}, labelPairs: [['__name__', 'x'], ['a', '1'], ['a', '2']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: {}, labelPairs: [['__name__', 'y'], ['b', ''], ['a', '1'], ['b', '2']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: { __name__: 'nul', v: 'a\u0000b' }, samples: [{ value: 1, timestamp: 1 }] },
      ]),
      'v1',
    );
    expect(decoded.batch.series.map((s) => s.labels.__name__)).toEqual(['ok']);
    expect(decoded.refused).toBe(4);
    expect(decoded.problems[0]).toMatch(/no metric name.*nameless/);
    expect(decoded.problems[1]).toMatch(/"a" appears twice/);
    expect(decoded.problems[2]).toMatch(/"b" appears twice/);
    expect(decoded.problems[3]).toMatch(/NUL/);
  });

  it('keeps a label named __proto__ as a label', () => {
    const decoded = decodeWriteRequest(v1Bytes([{ labels: {}, labelPairs: [['__name__', 'p'], ['__proto__', 'x']], samples: [{ value: 1, timestamp: 1 }] }]), 'v1');
    const labels = decoded.batch.series[0]!.labels;
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(JSON.stringify(labels)).toBe('{"__name__":"p","__proto__":"x"}');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('refuses bytes that are not protobuf with a 400', () => {
    const error = (() => {
      try {
        decodeWriteRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), 'v1');
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(RemoteWriteError);
    expect(error).toMatchObject({ status: 400, code: 'RW_BAD_DATA' });
  });
});
