import path from 'node:path';
import { flag, port, positiveDuration } from '@sextant/config';
import { z } from 'zod';

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** The API's environment, validated once at start; `apiEnvHelp` documents each variable. */
// No object-level refinements here: commands build their schema from `.shape` (see loadJwtKeys for the key-pair check).
export const apiConfigSchema = z.object({
  API_PORT: port.default(8080),
  API_HOST: z.string().default('127.0.0.1'),
  /** Where a generated JWT secret is kept. Default `./data`. */
  SEXTANT_DATA_DIR: z.string().default('./data').transform((p) => path.resolve(p)),
  JWT_SECRET: z.string().min(32, 'must have at least 32 characters').optional(),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_PRIVATE_KEY: z.string().optional(),
  /** Origins (scheme://host[:port]) allowed to call the API from a browser; default none. */
  API_CORS_ORIGINS: list.default([]),
  /** Largest request body in bytes. Default 1 MiB. */
  API_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),
  /** Trust `X-Forwarded-*` from a reverse proxy (client address, https). Default false. */
  API_TRUST_PROXY: flag.default(false),
  /** Built UI to serve at `/`. Default `ui/dist` of this checkout. */
  API_UI_DIR: z.string().default(path.resolve(import.meta.dirname, '../../ui/dist')).transform((p) => path.resolve(p)),
  /** Lifetime of a refresh token. Default 7d. */
  API_REFRESH_TTL: positiveDuration.default(7 * 86_400_000),
  /** PEM certificate (chain) file; with API_TLS_KEY_FILE the API serves HTTPS. Default unset (HTTP). */
  API_TLS_CERT_FILE: z.string().optional(),
  /** PEM private key file for API_TLS_CERT_FILE. Default unset. */
  API_TLS_KEY_FILE: z.string().optional(),
});

export type ApiConfig = z.output<typeof apiConfigSchema>;

/** Documentation of each variable for `--help`. */
export const apiEnvHelp = [
  { name: 'API_PORT', default: '8080', description: 'API listen port (0 = any free port)' },
  { name: 'API_HOST', default: '127.0.0.1', description: 'API listen address' },
  { name: 'JWT_SECRET', default: 'generated once into SEXTANT_DATA_DIR/jwt-secret', description: 'HS256 key of access tokens (32+ characters)' },
  { name: 'JWT_PUBLIC_KEY / JWT_PRIVATE_KEY', default: '(unset)', description: 'ES256 key pair (PEM text or file path) instead of JWT_SECRET' },
  { name: 'API_CORS_ORIGINS', default: '(none)', description: 'comma-separated origins allowed to call the API from a browser' },
  { name: 'API_BODY_LIMIT', default: '1048576', description: 'largest request body in bytes (413 above)' },
  { name: 'API_TRUST_PROXY', default: 'false', description: 'trust X-Forwarded-For/-Proto from a reverse proxy' },
  { name: 'API_UI_DIR', default: 'ui/dist', description: 'built UI served at /' },
  { name: 'API_REFRESH_TTL', default: '7d', description: 'lifetime of a refresh token' },
  { name: 'API_TLS_CERT_FILE / API_TLS_KEY_FILE', default: '(unset)', description: 'PEM certificate and key files: the API (and /mqtt) serve HTTPS' },
] as const;
