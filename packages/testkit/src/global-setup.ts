// Vitest global setup: one embedded PostgreSQL for the whole run, in a temporary directory.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '@sextant/log';
import { startEmbeddedPostgres } from '@sextant/storage';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedPostgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-test-pg-'));
  const embedded = await startEmbeddedPostgres({ dataDir, log: createLogger({ level: 'warn', name: 'test-embedded-pg' }) });
  project.provide('embeddedPostgresUrl', embedded.url);
  return async () => {
    await embedded.close();
    await rm(dataDir, { recursive: true, force: true });
  };
}
