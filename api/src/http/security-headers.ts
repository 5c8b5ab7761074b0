import type { Context } from 'koa';

// For the Vue SPA: scripts only from our origin (no inline, no eval); inline styles are allowed
// because Vue transitions and ECharts set `style` attributes; MQTT over WebSocket goes to /mqtt here.
const DOCUMENT_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// Every answer: no MIME sniffing, no referrer, not embeddable by other origins.
const ALWAYS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

// Pages (HTML) get the full browser policy.
const DOCUMENT: readonly [string, string][] = [
  ['Content-Security-Policy', DOCUMENT_POLICY],
  ['X-Frame-Options', 'DENY'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
];

// Data (JSON, text, scripts) gets the lock-down policy OWASP recommends for APIs: it loads nothing
// and frames nowhere, should a browser ever render it. Short, because every API answer carries it.
const DATA: readonly [string, string][] = [['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"]];

/** helmet-like headers for the answer in `ctx`, chosen by what it is (page or data); HSTS over HTTPS. */
export function setSecurityHeaders(ctx: Context): void {
  const res = ctx.res;
  for (const [name, value] of ALWAYS) res.setHeader(name, value);
  const type = res.getHeader('Content-Type');
  const page = typeof type === 'string' && type.startsWith('text/html');
  for (const [name, value] of page ? DOCUMENT : DATA) res.setHeader(name, value);
  if (ctx.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}
