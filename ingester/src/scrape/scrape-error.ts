/** Why a scrape failed; the target is `up = 0` for it. */
export type ScrapeErrorCode =
  | 'SCRAPE_UNREACHABLE'
  | 'SCRAPE_TIMEOUT'
  | 'SCRAPE_HTTP_STATUS'
  | 'SCRAPE_BODY_TOO_LARGE'
  | 'SCRAPE_PARSE'
  | 'SCRAPE_SAMPLE_LIMIT';

/** A failed scrape, with a stable `code` and the underlying error as `cause`. */
export class ScrapeError extends Error {
  readonly code: ScrapeErrorCode;

  constructor(code: ScrapeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ScrapeError';
    this.code = code;
  }
}
