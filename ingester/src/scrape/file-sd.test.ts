import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandFileSd, FileSdError, readFileSd } from './file-sd.ts';
import { targetUrl } from './scrape-target.ts';

describe('file_sd', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-sd-'));
    await writeFile(path.join(dir, 'a.json'), JSON.stringify([{ targets: ['h1:9100', 'h2:9100'], labels: { dc: 'eu', __meta_x: 'y' } }]));
    await writeFile(
      path.join(dir, 'b.yml'),
      ['- targets: ["h3:8443"]', '  labels:', '    job: app', '    __scheme__: https', '    __metrics_path__: /probe/metrics', '- targets: []', ''].join('\n'),
    );
    await writeFile(path.join(dir, 'bad.yaml'), 'targets: not-a-list\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('expands globs and plain paths', async () => {
    expect(await expandFileSd([path.join(dir, '*.json'), path.join(dir, 'b.yml')])).toEqual([path.join(dir, 'a.json'), path.join(dir, 'b.yml')]);
  });

  it('reads JSON and YAML target groups with their labels', async () => {
    expect(await readFileSd(path.join(dir, 'a.json'), 'node')).toEqual([
      { address: 'h1:9100', job: 'node', labels: { dc: 'eu' } },
      { address: 'h2:9100', job: 'node', labels: { dc: 'eu' } },
    ]);
    const [target] = await readFileSd(path.join(dir, 'b.yml'), 'node');
    expect(target).toEqual({ address: 'h3:8443', job: 'app', labels: {}, metricsPath: '/probe/metrics', scheme: 'https' });
    expect(targetUrl(target!)).toBe('https://h3:8443/probe/metrics');
  });

  it('refuses a file that is not a list of target groups, naming it', async () => {
    await expect(readFileSd(path.join(dir, 'bad.yaml'), 'node')).rejects.toBeInstanceOf(FileSdError);
    await expect(readFileSd(path.join(dir, 'missing.json'), 'node')).rejects.toThrow(/missing\.json/);
  });
});
