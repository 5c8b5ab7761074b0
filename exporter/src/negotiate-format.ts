import type { ExpositionFormat } from './serialize-exposition.ts';

/** Content-Type per format, exactly as compat §1.1 lists them. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  'text-0.0.4': 'text/plain; version=0.0.4; charset=utf-8',
  'openmetrics-1.0.0': 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  'openmetrics-0.0.1': 'application/openmetrics-text; version=0.0.1; charset=utf-8',
};

interface Offer {
  format: ExpositionFormat;
  q: number;
  order: number;
}

function parseRange(range: string, order: number): Offer | null {
  const [typePart = '', ...params] = range.split(';').map((p) => p.trim());
  const type = typePart.toLowerCase();
  let q = 1;
  let version: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const value = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (key === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
    else if (key === 'version') version = value;
  }
  if (q <= 0) return null;
  if (type === 'application/openmetrics-text') {
    if (version === undefined || version === '1.0.0') return { format: 'openmetrics-1.0.0', q, order };
    if (version === '0.0.1') return { format: 'openmetrics-0.0.1', q, order };
    return null;
  }
  // Any text/plain and wildcards get 0.0.4: Prometheus picks its parser by media type only.
  if (type === 'text/plain' || type === 'text/*' || type === '*/*') return { format: 'text-0.0.4', q, order };
  return null;
}

/**
 * Picks the exposition format for an `Accept` header: the highest-q range Sextant can write,
 * earlier ranges winning ties; text 0.0.4 when nothing matches or the header is absent
 * (content_negotiation.md: "MUST use PrometheusText0.0.4 as a last resort").
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'text-0.0.4';
  let best: Offer | null = null;
  let order = 0;
  for (const range of accept.split(',')) {
    const offer = parseRange(range, order++);
    if (offer !== null && (best === null || offer.q > best.q)) best = offer;
  }
  return best?.format ?? 'text-0.0.4';
}
