import snappy from 'snappy';
import { RemoteWriteError } from './remote-write-error.ts';

// The uncompressed length a snappy block starts with (a uvarint), or undefined when malformed.
function declaredLength(block: Uint8Array): number | undefined {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
  return undefined;
}

/**
 * Decompresses a snappy *block* (remote-write never uses the framed format, compat §2.1). The
 * declared length is checked against `maxBytes` first, so a tiny body cannot make a huge buffer.
 */
export function uncompressBlock(block: Buffer, maxBytes: number): Buffer {
  const length = declaredLength(block);
  if (length === undefined) throw new RemoteWriteError('RW_BAD_DATA', 'the body is not snappy block-compressed: bad length header');
  if (length > maxBytes) throw new RemoteWriteError('RW_TOO_LARGE', `the decompressed body would be ${length} bytes, more than ${maxBytes}`);
  try {
    return snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw new RemoteWriteError('RW_BAD_DATA', `the body is not valid snappy block-compressed data: ${(err as Error).message}`, { cause: err });
  }
}
