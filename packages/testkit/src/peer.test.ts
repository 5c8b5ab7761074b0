import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from './peer.ts';

describe('findPeer', () => {
  let dir = '';
  const savedPath = process.env.PATH;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-peer-'));
    await writeFile(path.join(dir, 'node_exporter'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'node_exporter'), 0o755);
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers the given paths, then looks on the PATH by name', () => {
    process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ''}`;
    expect(findPeer('node_exporter', ['/nonexistent/prometheus-node-exporter'])).toBe(path.join(dir, 'node_exporter'));
    expect(findPeer('sh', ['/bin/sh'])).toBe('/bin/sh');
  });

  it.skipIf(process.env.CI === 'true')('returns undefined for a peer that is nowhere', () => {
    expect(findPeer('no-such-peer-binary', ['/nonexistent/no-such-peer-binary'])).toBeUndefined();
  });
});
