import { port, positiveDuration } from '@sextant/config';
import { z } from 'zod';

const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''));

// `host:port` with a port Prometheus would accept as a target `__address__`.
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

const targets = list.superRefine((items, ctx) => {
  for (const item of items) {
    if (!HOST_PORT.test(item)) ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port` });
  }
});

/** Every option `sextant ingester` reads, with its default, for `--help`. */
export const ingesterEnvHelp: readonly { name: string; default: string; description: string }[] = [
  { name: 'INGESTER_PORT', default: '9201', description: 'port for /api/v1/write, /metrics, /healthz, /readyz (0 = any free port)' },
  { name: 'INGESTER_HOST', default: '127.0.0.1', description: 'address to listen on (0.0.0.0 for all interfaces)' },
  { name: 'SCRAPE_INTERVAL', default: '60s', description: 'how often each target is scraped (Prometheus duration)' },
  { name: 'SCRAPE_TIMEOUT', default: '10s, at most SCRAPE_INTERVAL', description: 'a scrape running longer fails (up = 0)' },
  { name: 'SCRAPE_TARGETS', default: '(none; the local exporter in `up`)', description: 'extra static targets, comma-separated host:port' },
  { name: 'SCRAPE_FILE_SD', default: '(none)', description: 'comma-separated Prometheus file_sd files or globs (JSON or YAML [{targets, labels}]), re-read as they change' },
  { name: 'SCRAPE_JOB', default: 'node', description: 'job label of targets that do not name one' },
  { name: 'SCRAPE_BODY_SIZE_LIMIT', default: '67108864', description: 'bytes of uncompressed body a scrape may return; more fails the scrape (0 = no limit)' },
  { name: 'SCRAPE_SAMPLE_LIMIT', default: '0', description: 'samples one scrape may return; more fails the scrape (0 = no limit)' },
  { name: 'SCRAPE_SHARDS', default: '1', description: 'ingesters sharing the targets: each scrapes those whose address hashes (Prometheus hashmod) to its SCRAPE_SHARD' },
  { name: 'SCRAPE_SHARD', default: '0', description: "this ingester's shard, 0 to SCRAPE_SHARDS − 1" },
  { name: 'REMOTE_WRITE_AUTH', default: 'token', description: 'token: /api/v1/write needs a bearer API token with the remote_write scope; open: anyone may write' },
  { name: 'INGESTER_TLS_CERT_FILE / INGESTER_TLS_KEY_FILE', default: '(unset)', description: 'PEM certificate and key files: /api/v1/write and the rest over HTTPS' },
  { name: 'INGEST_BUFFER_MAX_BYTES', default: '268435456', description: 'bytes of scrape results kept on disk (SEXTANT_DATA_DIR/ingest-buffer) while PostgreSQL is unreachable; the oldest go first' },
];

/** The ingester's environment, validated at start; see `ingesterEnvHelp` for each variable. */
export const ingesterConfigSchema = z
  .object({
    INGESTER_PORT: port.default(9201),
    INGESTER_HOST: z.string().default('127.0.0.1'),
    SCRAPE_INTERVAL: positiveDuration.default(60_000),
    SCRAPE_TIMEOUT: positiveDuration.optional(),
    SCRAPE_TARGETS: targets.default([]),
    SCRAPE_FILE_SD: list.default([]),
    SCRAPE_JOB: z.string().regex(/^\S+$/, 'must be one word').default('node'),
    SCRAPE_BODY_SIZE_LIMIT: z.coerce.number().int().min(0).default(64 * 1024 * 1024),
    SCRAPE_SAMPLE_LIMIT: z.coerce.number().int().min(0).default(0),
    SCRAPE_SHARDS: z.coerce.number().int().min(1).default(1),
    SCRAPE_SHARD: z.coerce.number().int().min(0).default(0),
    REMOTE_WRITE_AUTH: z.enum(['token', 'open']).default('token'),
    INGEST_BUFFER_MAX_BYTES: z.coerce.number().int().min(1024 * 1024, 'must be at least 1 MiB').default(256 * 1024 * 1024),
    /** PEM certificate (chain) file; with INGESTER_TLS_KEY_FILE the ingester serves HTTPS. Default unset. */
    INGESTER_TLS_CERT_FILE: z.string().optional(),
    /** PEM private key file for INGESTER_TLS_CERT_FILE. Default unset. */
    INGESTER_TLS_KEY_FILE: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    // Prometheus refuses the same (config.go: "scrape timeout greater than scrape interval").
    if (c.SCRAPE_TIMEOUT !== undefined && c.SCRAPE_TIMEOUT > c.SCRAPE_INTERVAL) {
      ctx.addIssue({ code: 'custom', path: ['SCRAPE_TIMEOUT'], message: 'must not be longer than SCRAPE_INTERVAL' });
    }
    if ((c.INGESTER_TLS_CERT_FILE === undefined) !== (c.INGESTER_TLS_KEY_FILE === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['INGESTER_TLS_KEY_FILE'], message: 'set both INGESTER_TLS_CERT_FILE and INGESTER_TLS_KEY_FILE, or neither' });
    }
    if (c.SCRAPE_SHARD >= c.SCRAPE_SHARDS) {
      ctx.addIssue({ code: 'custom', path: ['SCRAPE_SHARD'], message: 'must be less than SCRAPE_SHARDS' });
    }
  });

export type IngesterConfig = z.output<typeof ingesterConfigSchema>;

/** The scrape timeout in force: SCRAPE_TIMEOUT, else 10 s (Prometheus's default), never past the interval. */
export function scrapeTimeoutOf(config: Pick<IngesterConfig, 'SCRAPE_INTERVAL' | 'SCRAPE_TIMEOUT'>): number {
  return Math.min(config.SCRAPE_TIMEOUT ?? 10_000, config.SCRAPE_INTERVAL);
}
