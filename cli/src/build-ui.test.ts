import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiBuildNeeded } from './build-ui.ts';

describe('uiBuildNeeded', () => {
  let workspace = '';
  beforeAll(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'sextant-ui-ws-'));
    await mkdir(path.join(workspace, 'src'));
    await writeFile(path.join(workspace, 'index.html'), '<!doctype html>');
    await writeFile(path.join(workspace, 'src/main.ts'), '');
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));

  it('builds a missing or stale dist of the checkout only', async () => {
    const dist = path.join(workspace, 'dist');
    expect(uiBuildNeeded(dist, workspace)).toBe(true);
    expect(uiBuildNeeded('/srv/elsewhere', workspace)).toBe(false);
    await mkdir(dist);
    await writeFile(path.join(dist, 'index.html'), 'built');
    const past = new Date(Date.now() - 60_000);
    await utimes(path.join(workspace, 'src/main.ts'), past, past);
    await utimes(path.join(workspace, 'src'), past, past);
    await utimes(path.join(workspace, 'index.html'), past, past);
    expect(uiBuildNeeded(dist, workspace)).toBe(false);
    await writeFile(path.join(workspace, 'src/main.ts'), 'changed');
    expect(uiBuildNeeded(dist, workspace)).toBe(true);
  });
});
