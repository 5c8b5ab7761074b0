import { describe, expect, it } from 'vitest';
import { KnownLabelSets } from './known-label-sets.ts';

const viewOf = (buf: Uint8Array) => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

describe('KnownLabelSets', () => {
  it('finds every length of bytes by hash, and tells a change in any byte, the last ones too', () => {
    const known = new KnownLabelSets();
    for (let length = 1; length <= 13; length++) {
      const bytes = Uint8Array.from({ length: length + 2 }, (_, i) => (i * 37 + length) & 0xff);
      const [start, end] = [1, 1 + length];
      const labels = { __name__: `m${length}` };
      const entry = known.add(1000 + length, viewOf(bytes), bytes, start, end, labels, undefined);
      expect(known.byHash(1000 + length)).toBe(entry);
      expect(known.labels(entry)).toBe(labels);
      expect(known.equals(entry, viewOf(bytes), bytes, start, end)).toBe(true);
      expect(known.equals(entry, viewOf(bytes), bytes, start, end - 1)).toBe(false);
      for (let i = start; i < end; i++) {
        const changed = bytes.slice();
        changed[i] = changed[i]! ^ 1;
        expect(known.equals(entry, viewOf(changed), changed, start, end)).toBe(false);
      }
    }
    expect(known.byHash(999)).toBe(-1);
  });

  it('offers the set that followed last time, and nothing for an unknown entry', () => {
    const known = new KnownLabelSets();
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = known.add(1, viewOf(bytes), bytes, 0, 4, { __name__: 'a' }, undefined);
    const b = known.add(2, viewOf(bytes), bytes, 4, 8, { __name__: 'b' }, undefined);
    expect(known.successor(a)).toBe(-1);
    known.link(a, b);
    expect(known.successor(a)).toBe(b);
    expect(known.successor(-1)).toBe(-1);
    expect(known.successor(99)).toBe(-1);
  });
});
