import { duration, port, positiveDuration } from '@sextant/config';
import { z } from 'zod';

const urls = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'each ALERTMANAGER_URL entry must be an http(s) URL' })));

/** The bridge's environment, validated once at start; `bridgeEnvHelp` documents each variable. */
export const bridgeConfigSchema = z.object({
  BRIDGE_PORT: port.default(9095),
  BRIDGE_HOST: z.string().default('127.0.0.1'),
  /** Alertmanagers (comma-separated, every one gets every alert); unset = outbound off. */
  ALERTMANAGER_URL: urls.optional(),
  /** When set, the webhook requires `Authorization: Bearer <token>`. */
  BRIDGE_WEBHOOK_TOKEN: z.string().min(16, 'must have at least 16 characters').optional(),
  /** Prometheus's `--rules.alert.resend-delay` (compat §5.2). Default 1m. */
  BRIDGE_RESEND_DELAY: positiveDuration.default(60_000),
  /** How often the outbox is read besides wake-ups; stands in for the group interval in endsAt. Default 15s. */
  BRIDGE_SEND_INTERVAL: positiveDuration.default(15_000),
  /** Timeout of one POST to an Alertmanager. Default 10s (Prometheus's). */
  BRIDGE_SEND_TIMEOUT: positiveDuration.default(10_000),
  /** How long resolved alerts are re-sent (Prometheus's resolvedRetention). Default 15m. */
  BRIDGE_RESOLVED_RETENTION: duration.default(900_000),
  /** Base of alerts' generatorURL (Sextant's UI); unset = no generatorURL. */
  BRIDGE_EXTERNAL_URL: z.url().optional(),
});

export type BridgeConfig = z.output<typeof bridgeConfigSchema>;

export const bridgeEnvHelp = [
  { name: 'BRIDGE_PORT', default: '9095', description: 'listen port of the webhook, /healthz and /metrics (0 = any free port)' },
  { name: 'BRIDGE_HOST', default: '127.0.0.1', description: 'listen address' },
  { name: 'ALERTMANAGER_URL', default: '(unset: outbound off)', description: 'comma-separated Alertmanager base URLs, e.g. http://127.0.0.1:9093' },
  { name: 'BRIDGE_WEBHOOK_TOKEN', default: '(unset: no auth)', description: 'bearer token the webhook requires (Alertmanager http_config.authorization)' },
  { name: 'BRIDGE_RESEND_DELAY', default: '1m', description: 'resend period of firing and resolved alerts' },
  { name: 'BRIDGE_SEND_INTERVAL', default: '15s', description: 'outbox read period' },
  { name: 'BRIDGE_SEND_TIMEOUT', default: '10s', description: 'timeout of one POST to Alertmanager' },
  { name: 'BRIDGE_RESOLVED_RETENTION', default: '15m', description: 'how long resolved alerts are re-sent' },
  { name: 'BRIDGE_EXTERNAL_URL', default: '(unset)', description: "Sextant's URL, for alerts' generatorURL" },
] as const;
