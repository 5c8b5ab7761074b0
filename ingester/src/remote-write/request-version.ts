import { RemoteWriteError } from './remote-write-error.ts';
import type { RemoteWriteVersion } from './decode-write-request.ts';

const V1_PROTO = 'prometheus.WriteRequest';
const V2_PROTO = 'io.prometheus.write.v2.Request';

/**
 * The message a request carries, from its Content-Type (compat §2.4, §2.7): empty or
 * `application/x-protobuf` → 1.0; `proto=io.prometheus.write.v2.Request` → 2.0. Any other media type
 * or proto, or a Content-Encoding other than snappy (or none), is a 415.
 */
export function requestVersion(contentType: string | undefined, contentEncoding: string | undefined): RemoteWriteVersion {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'snappy') {
    throw new RemoteWriteError('RW_UNSUPPORTED_MEDIA', `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}: only snappy (block format) is accepted`);
  }
  if (contentType === undefined || contentType.trim() === '') return 'v1';
  const [media = '', ...params] = contentType.split(';').map((p) => p.trim());
  if (media.toLowerCase() !== 'application/x-protobuf') {
    throw new RemoteWriteError('RW_UNSUPPORTED_MEDIA', `unsupported Content-Type ${JSON.stringify(contentType)}: expected application/x-protobuf`);
  }
  let proto = V1_PROTO;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
    proto = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  if (proto === V1_PROTO) return 'v1';
  if (proto === V2_PROTO) return 'v2';
  throw new RemoteWriteError('RW_UNSUPPORTED_MEDIA', `unsupported proto ${JSON.stringify(proto)}: expected ${V1_PROTO} or ${V2_PROTO}`);
}
