import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { freePort } from './free-port.ts';
import { openStorage } from './open-storage.ts';
import { isRetryable, StorageError } from './storage-error.ts';

describe('isRetryable', () => {
  it('retries connection trouble, overload and serialization failures', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '08006', '53300', '57P01', '40001', '40P01']) {
      expect(isRetryable(Object.assign(new Error(code), { code })), code).toBe(true);
    }
  });

  it('does not retry bad data or bad SQL', () => {
    for (const code of ['23505', '22P02', '42P01', '42601']) {
      expect(isRetryable(Object.assign(new Error(code), { code })), code).toBe(false);
    }
    expect(isRetryable(new Error('no code'))).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });

  it('follows the flag of a StorageError', () => {
    expect(isRetryable(new StorageError('STORAGE_UNAVAILABLE', 'down', { retryable: true }))).toBe(true);
    expect(isRetryable(new StorageError('STORAGE_MIGRATION_FAILED', 'bad'))).toBe(false);
  });
});

describe('openStorage', () => {
  it('fails with a retryable STORAGE_UNAVAILABLE when nothing listens', async () => {
    const port = await freePort();
    const error = await openStorage({ url: `postgres://x@127.0.0.1:${port}/x`, log: createLogger({ level: 'silent' }) }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(isRetryable((error as StorageError).cause)).toBe(true);
  });
});

describe.skipIf(process.getuid?.() !== 0)('embedded PostgreSQL as root', () => {
  it('names the directory the postgres user cannot enter', async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), 'sextant-closed-'));
    await chmod(closed, 0o700);
    try {
      const error = await startEmbeddedPostgres({ dataDir: path.join(closed, 'data'), log: createLogger({ level: 'silent' }) }).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'STORAGE_EMBEDDED_FAILED' });
      expect((error as Error).message).toContain(`cannot enter ${closed}`);
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});
