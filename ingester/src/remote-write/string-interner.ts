import type protobuf from 'protobufjs';

const SLOTS = 1 << 16;
const MAX_BYTES = 64;

/** Reads a length-delimited protobuf string field, the same text for the same bytes. */
export type ReadString = (r: protobuf.Reader) => string;

/**
 * A string reader that remembers short strings by their bytes. Label names and most label values
 * repeat from series to series and request to request (`__name__`, `job`, `node`, `instance`
 * values), and turning bytes into a string is the costliest step of decoding a request; a hit
 * costs an FNV-1a hash and a byte compare instead, and allocates nothing. A direct-mapped table of
 * 65 536 slots (a colliding string replaces the slot's), so memory stays under ~10 MB.
 */
export function createStringInterner(): ReadString {
  const slotBytes = new Array<Uint8Array | undefined>(SLOTS);
  const slotText = new Array<string>(SLOTS);
  return (r) => {
    const length = r.uint32();
    const start = r.pos;
    const end = start + length;
    if (end > r.len) throw new RangeError('index out of range');
    r.pos = end;
    const buf = r.buf;
    if (length > MAX_BYTES) return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', start, end);
    let hash = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = (hash >>> 0) & (SLOTS - 1);
    const cached = slotBytes[slot];
    if (cached?.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (cached[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return slotText[slot]!;
    }
    const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', start, end);
    // A copy: `Buffer#slice` is a view, and would keep the whole request body alive.
    slotBytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
    slotText[slot] = text;
    return text;
  };
}
