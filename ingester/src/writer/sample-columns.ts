// Samples as three PostgreSQL arrays in the binary wire format (`array_recv`), sent as binary
// parameters of `unnest($1::int8[], $2::timestamptz[], $3::float8[])`. Binary keeps every float8 bit
// (the text format turns any NaN into `NaN` and loses the stale marker, compat §2.6) and spares the
// server parsing text.
import { STALE_NAN_BITS } from '../write-batch.ts';

const INT8_OID = 20;
const FLOAT8_OID = 701;
const TIMESTAMPTZ_OID = 1184;
const HEADER_BYTES = 20;
const ELEMENT_BYTES = 12; // int32 length + 8 bytes
const TWO_32 = 0x1_0000_0000;
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const STALE_HIGH = Number(STALE_NAN_BITS >> 32n);
const STALE_LOW = Number(STALE_NAN_BITS & 0xffff_ffffn);

/** Growable columns of (series id, time, value) rows, encoded as binary arrays when done. */
export class SampleColumns {
  length = 0;
  private readonly ids: Buffer;
  private readonly times: Buffer;
  private readonly values: Buffer;

  constructor(capacity: number) {
    this.ids = header(INT8_OID, capacity);
    this.times = header(TIMESTAMPTZ_OID, capacity);
    this.values = header(FLOAT8_OID, capacity);
  }

  /** Adds a row; `timestampMs` must be an integer count of ms (what remote-write and scrapes carry). */
  push(seriesId: number, timestampMs: number, value: number, stale: boolean): void {
    const at = HEADER_BYTES + this.length * ELEMENT_BYTES + 4;
    writeInt64(this.ids, at, seriesId);
    writeInt64(this.times, at, (timestampMs - PG_EPOCH_MS) * 1000);
    if (stale) {
      this.values.writeUInt32BE(STALE_HIGH, at);
      this.values.writeUInt32BE(STALE_LOW, at + 4);
    } else {
      this.values.writeDoubleBE(value, at);
    }
    this.length++;
  }

  /** The three binary arrays holding rows [from, to). */
  slice(from: number, to: number): [Buffer, Buffer, Buffer] {
    return [arraySlice(this.ids, from, to), arraySlice(this.times, from, to), arraySlice(this.values, from, to)];
  }
}

function header(oid: number, capacity: number): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + capacity * ELEMENT_BYTES);
  for (let i = 0; i < capacity; i++) buffer.writeInt32BE(8, HEADER_BYTES + i * ELEMENT_BYTES);
  buffer.writeInt32BE(1, 0); // dimensions
  buffer.writeInt32BE(0, 4); // no NULLs
  buffer.writeInt32BE(oid, 8);
  buffer.writeInt32BE(1, 16); // lower bound
  return buffer;
}

// A slice from the first row is a view of the column; a later one a copy under a fresh header.
function arraySlice(column: Buffer, from: number, to: number): Buffer {
  if (from === 0) {
    column.writeInt32BE(to, 12);
    return column.subarray(0, HEADER_BYTES + to * ELEMENT_BYTES);
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + (to - from) * ELEMENT_BYTES);
  column.copy(out, 0, 0, HEADER_BYTES);
  out.writeInt32BE(to - from, 12);
  column.copy(out, HEADER_BYTES, HEADER_BYTES + from * ELEMENT_BYTES, HEADER_BYTES + to * ELEMENT_BYTES);
  return out;
}

// Integers below 2^53 (series ids; µs since 2000, good for ±285 years) as a big-endian int64.
function writeInt64(buffer: Buffer, at: number, n: number): void {
  const high = Math.floor(n / TWO_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(n - high * TWO_32, at + 4);
}
