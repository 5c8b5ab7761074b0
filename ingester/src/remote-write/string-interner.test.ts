import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { createStringInterner } from './string-interner.ts';

function strings(values: string[]): protobuf.Reader {
  const writer = protobuf.Writer.create();
  for (const v of values) writer.string(v);
  return protobuf.Reader.create(Buffer.from(writer.finish()));
}

describe('createStringInterner', () => {
  it('reads every string exactly, short or long, ASCII or not', () => {
    const values = ['', 'job', 'node', 'ünïcödé ✓ 😀', 'x'.repeat(65), 'a\nb', 'job'];
    const read = createStringInterner();
    const r = strings(values);
    expect(values.map(() => read(r))).toEqual(values);
    expect(r.pos).toBe(r.len);
  });

  it('gives the same text for the same bytes across requests, and never another string for a slot collision', () => {
    const read = createStringInterner();
    const many = Array.from({ length: 100_000 }, (_, i) => `value-${i}`);
    const first = strings(many);
    const decoded = many.map(() => read(first));
    expect(decoded).toEqual(many);
    const second = strings(many);
    expect(many.map(() => read(second))).toEqual(many);
  });

  it('does not keep the request buffer alive through what it remembers', () => {
    const read = createStringInterner();
    const body = Buffer.from(protobuf.Writer.create().string('instance').finish());
    const r = protobuf.Reader.create(body);
    expect(read(r)).toBe('instance');
    body.fill(0);
    expect(read(protobuf.Reader.create(Buffer.from(protobuf.Writer.create().string('instance').finish())))).toBe('instance');
  });

  it('refuses a length past the end of the buffer', () => {
    const read = createStringInterner();
    const r = protobuf.Reader.create(Buffer.from([0x05, 0x61]));
    expect(() => read(r)).toThrow(RangeError);
  });
});
