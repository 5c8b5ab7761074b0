import { ApiError } from '../http/api-error.ts';

/** Stable codes of server-route failures, as they appear in problem+json `code`. */
export type ServerErrorCode = 'SERVER_NOT_FOUND' | 'SERVER_NAME_TAKEN' | 'SERVER_ADDRESS_TAKEN';

const STATUS: Readonly<Record<ServerErrorCode, number>> = {
  SERVER_NOT_FOUND: 404,
  SERVER_NAME_TAKEN: 409,
  SERVER_ADDRESS_TAKEN: 409,
};

/** A client-caused failure of a server operation; the error middleware answers it as problem+json. */
export class ServerError extends ApiError {
  declare readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS[code], code, message, options);
    this.name = 'ServerError';
  }
}
