import { formatFromContentType, parseExposition } from '@sextant/exposition';
import type { Exposition } from '@sextant/exposition';
import { ScrapeError } from './scrape-error.ts';

/**
 * Parses a scrape body with the parser its media type names (compat §1.1; text 0.0.4 when missing,
 * as Prometheus 2 does). Labels with empty values are dropped, as Prometheus does (compat §1.5).
 */
export function parseScrapeBody(body: string, contentType: string | undefined): Exposition {
  try {
    return parseExposition(body, formatFromContentType(contentType), { dropEmptyLabelValues: true });
  } catch (err) {
    throw new ScrapeError('SCRAPE_PARSE', `cannot parse the scrape: ${(err as Error).message}`, { cause: err });
  }
}
