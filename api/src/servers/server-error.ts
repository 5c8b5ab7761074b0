/** Stable codes of server-route failures, as they appear in problem+json `code`. */
export type ServerErrorCode = 'SERVER_NOT_FOUND' | 'SERVER_NAME_TAKEN' | 'SERVER_ADDRESS_TAKEN';

const STATUS: Readonly<Record<ServerErrorCode, number>> = {
  SERVER_NOT_FOUND: 404,
  SERVER_NAME_TAKEN: 409,
  SERVER_ADDRESS_TAKEN: 409,
};

/** A client-caused failure of a server operation; `status` and `expose` as Koa's errors carry them. */
export class ServerError extends Error {
  readonly code: ServerErrorCode;
  readonly status: number;
  readonly expose = true;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
    this.status = STATUS[code];
  }
}
