import type { Labels } from '../write-batch.ts';

const SLOTS = 1 << 17;
const MAX_ENTRIES = 1 << 20;
/** Label bytes kept at most, in 4-byte words (32 MB). */
const MAX_WORDS = 1 << 23;

/**
 * Label sets decoded before, by the bytes of their label fields. A sender repeats the same bytes for
 * a series request after request and in the same order, so the set that followed a series last time
 * is tried first (no hashing), then a direct-mapped table by hash (a colliding set replaces the
 * slot's). A match is always a byte-for-byte compare, never trusted by hash.
 *
 * Entries live in parallel typed arrays and their bytes in one arena, in the order they were first
 * seen: a request walks them front to back, as the cache lines come, rather than chasing an object
 * per series. When the arena or the entry count is full everything starts over.
 */
export class KnownLabelSets {
  private readonly slots = new Int32Array(SLOTS).fill(-1);
  private hashes = new Float64Array(1024);
  private offsets = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private nexts = new Int32Array(1024);
  private readonly labelSets: Labels[] = [];
  private readonly empties: (string[] | undefined)[] = [];
  /** The bytes of every entry, each padded with zeros to whole little-endian words. */
  private words = new Uint32Array(1 << 14);
  private count = 0;
  private used = 0;

  /** The entry that followed `previous` the last time it came, or -1. */
  successor(previous: number): number {
    if (previous < 0 || previous >= this.count) return -1;
    const next = this.nexts[previous]!;
    return next < this.count ? next : -1;
  }

  /** The entry in `hash`'s slot when it has that hash, or -1. */
  byHash(hash: number): number {
    const entry = this.slots[hash & (SLOTS - 1)]!;
    return entry >= 0 && entry < this.count && this.hashes[entry] === hash ? entry : -1;
  }

  /** Whether `entry`'s bytes are `buf[start, end)` (`view` is a DataView of `buf`). */
  equals(entry: number, view: DataView, buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (this.lengths[entry] !== length) return false;
    const words = this.words;
    const offset = this.offsets[entry]!;
    const whole = length >>> 2;
    for (let w = 0; w < whole; w++) if (words[offset + w] !== view.getUint32(start + 4 * w, true)) return false;
    const rest = length & 3;
    if (rest === 0) return true;
    return words[offset + whole] === tailWord(buf, start + 4 * whole, rest);
  }

  /** Remembers a valid label set; the new entry's index (entries from before a restart are gone). */
  add(hash: number, view: DataView, buf: Uint8Array, start: number, end: number, labels: Labels, empty: string[] | undefined): number {
    const length = end - start;
    const needed = (length + 3) >>> 2;
    if (this.count === MAX_ENTRIES || this.used + needed > MAX_WORDS) this.clear();
    if (this.count === this.hashes.length) this.growEntries();
    while (this.used + needed > this.words.length) this.words = grown(this.words, this.words.length * 2);
    const entry = this.count++;
    const offset = this.used;
    this.used += needed;
    const whole = length >>> 2;
    for (let w = 0; w < whole; w++) this.words[offset + w] = view.getUint32(start + 4 * w, true);
    if ((length & 3) !== 0) this.words[offset + whole] = tailWord(buf, start + 4 * whole, length & 3);
    this.hashes[entry] = hash;
    this.offsets[entry] = offset;
    this.lengths[entry] = length;
    this.nexts[entry] = -1;
    this.labelSets[entry] = labels;
    this.empties[entry] = empty;
    this.slots[hash & (SLOTS - 1)] = entry;
    return entry;
  }

  /** Records that `entry` came right after `previous`. */
  link(previous: number, entry: number): void {
    if (previous >= 0 && previous < this.count) this.nexts[previous] = entry;
  }

  hash(entry: number): number {
    return this.hashes[entry]!;
  }

  labels(entry: number): Labels {
    return this.labelSets[entry]!;
  }

  empty(entry: number): string[] | undefined {
    return this.empties[entry];
  }

  private clear(): void {
    this.slots.fill(-1);
    this.count = 0;
    this.used = 0;
    this.labelSets.length = 0;
    this.empties.length = 0;
  }

  private growEntries(): void {
    const size = this.hashes.length * 2;
    this.hashes = grown(this.hashes, size);
    this.offsets = grown(this.offsets, size);
    this.lengths = grown(this.lengths, size);
    this.nexts = grown(this.nexts, size);
  }
}

// The last 1–3 bytes of a run as the zero-padded little-endian word the arena holds for them.
function tailWord(buf: Uint8Array, at: number, rest: number): number {
  let word = buf[at]!;
  if (rest > 1) word |= buf[at + 1]! << 8;
  if (rest > 2) word |= buf[at + 2]! << 16;
  return word >>> 0;
}

function grown<T extends Float64Array | Int32Array | Uint32Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (size: number) => T)(size);
  bigger.set(array);
  return bigger;
}
