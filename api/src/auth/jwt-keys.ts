import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiConfig } from '../config.ts';

/** The keys access tokens are signed and checked with; the algorithm is pinned for verification. */
export interface JwtKeys {
  algorithm: 'HS256' | 'ES256';
  signingKey: string;
  verifyingKey: string;
}

/** Name of the generated secret inside `SEXTANT_DATA_DIR`. */
export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * ES256 when `JWT_PUBLIC_KEY`/`JWT_PRIVATE_KEY` are set (PEM text, or a path to a PEM file);
 * else HS256 with `JWT_SECRET`; else HS256 with a secret generated once and kept (mode 0600)
 * in `SEXTANT_DATA_DIR/jwt-secret`, so tokens survive a restart.
 */
export async function loadJwtKeys(config: Pick<ApiConfig, 'JWT_SECRET' | 'JWT_PUBLIC_KEY' | 'JWT_PRIVATE_KEY' | 'SEXTANT_DATA_DIR'>): Promise<JwtKeys> {
  if ((config.JWT_PUBLIC_KEY === undefined) !== (config.JWT_PRIVATE_KEY === undefined)) {
    throw new Error('JWT_PUBLIC_KEY and JWT_PRIVATE_KEY must be set together');
  }
  if (config.JWT_PUBLIC_KEY !== undefined && config.JWT_PRIVATE_KEY !== undefined) {
    return { algorithm: 'ES256', signingKey: await pem(config.JWT_PRIVATE_KEY), verifyingKey: await pem(config.JWT_PUBLIC_KEY) };
  }
  if (config.JWT_SECRET !== undefined) return hs256(config.JWT_SECRET);
  const file = path.join(config.SEXTANT_DATA_DIR, JWT_SECRET_FILE);
  try {
    return hs256((await readFile(file, 'utf8')).trim());
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  await mkdir(config.SEXTANT_DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    // `wx`: two processes starting at once must not overwrite each other's secret.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') return hs256((await readFile(file, 'utf8')).trim());
    throw err;
  }
  await chmod(file, 0o600);
  return hs256(secret);
}

function hs256(secret: string): JwtKeys {
  return { algorithm: 'HS256', signingKey: secret, verifyingKey: secret };
}

async function pem(value: string): Promise<string> {
  return value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : readFile(value, 'utf8');
}
