/** Stable codes of requests the receiver refuses; each maps to one HTTP status (compat §2.4). */
export type RemoteWriteErrorCode =
  | 'RW_BAD_DATA' // 400: undecodable body, invalid series; never retried by senders
  | 'RW_UNSUPPORTED_MEDIA' // 415: unknown Content-Type, proto or Content-Encoding
  | 'RW_TOO_LARGE'; // 413: body (or its decoded size) over the limit

const STATUS: Record<RemoteWriteErrorCode, number> = { RW_BAD_DATA: 400, RW_UNSUPPORTED_MEDIA: 415, RW_TOO_LARGE: 413 };

/** A refused remote-write request; `message` is exposed to the sender, who logs it verbatim. */
export class RemoteWriteError extends Error {
  readonly code: RemoteWriteErrorCode;
  readonly status: number;

  constructor(code: RemoteWriteErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'RemoteWriteError';
    this.code = code;
    this.status = STATUS[code];
  }
}
