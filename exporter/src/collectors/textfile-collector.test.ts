import { cp, mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FamilySet } from '../family-set.ts';
import { serializeExposition } from '../serialize-exposition.ts';
import { createTextfileCollector, formatGoFloat } from './textfile-collector.ts';

const fixtures = path.join(import.meta.dirname, '../../testdata/textfile');
let dir: string | undefined;

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function collect(directory: string): Promise<FamilySet> {
  const out = new FamilySet();
  await createTextfileCollector({ directory }).collect(out, new AbortController().signal);
  return out;
}

describe('textfile collector', () => {
  it('exposes a good file, skips a bad one and reports scrape_error 1', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-textfile-'));
    await cp(path.join(fixtures, 'good.prom'), path.join(dir, 'good.prom'));
    await cp(path.join(fixtures, 'bad.prom'), path.join(dir, 'bad.prom'));
    await cp(path.join(fixtures, 'good.prom'), path.join(dir, 'ignored.txt'));
    await utimes(path.join(dir, 'good.prom'), 1_700_000_000.9, 1_700_000_000.9);
    const text = serializeExposition((await collect(dir)).families.values(), 'text-0.0.4');
    const good = path.join(dir, 'good.prom');
    expect(text).toBe(
      [
        '# HELP apt_upgrades_pending Apt packages pending updates by origin.',
        '# TYPE apt_upgrades_pending gauge',
        'apt_upgrades_pending{arch="amd64",origin="Debian:bookworm/stable"} 3',
        'apt_upgrades_pending{arch="amd64",origin="Debian-Security:bookworm/stable-security"} 1',
        `# HELP backup_duration_seconds Metric read from ${good}`,
        '# TYPE backup_duration_seconds histogram',
        'backup_duration_seconds_bucket{job="db",le="60"} 2',
        'backup_duration_seconds_bucket{job="db",le="1e+06"} 5',
        'backup_duration_seconds_bucket{job="db",le="+Inf"} 5',
        'backup_duration_seconds_sum{job="db"} 3600.5',
        'backup_duration_seconds_count{job="db"} 5',
        `# HELP node_reboot_required Metric read from ${good}`,
        '# TYPE node_reboot_required untyped',
        'node_reboot_required 0',
        '# HELP node_textfile_mtime_seconds Unixtime mtime of textfiles successfully read.',
        '# TYPE node_textfile_mtime_seconds gauge',
        `node_textfile_mtime_seconds{file="${good}"} 1700000000`,
        '# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 otherwise',
        '# TYPE node_textfile_scrape_error gauge',
        'node_textfile_scrape_error 1',
        '',
      ].join('\n'),
    );
  });

  it('fills missing label names with "" and rejects files with timestamps', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-textfile-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'a.prom'), 'm{a="1"} 1\nm{b="2"} 2\n');
    let out = await collect(dir);
    expect(out.families.get('m')!.samples.map((s) => s.labels)).toEqual([{ a: '1', b: '' }, { a: '', b: '2' }]);
    expect(out.families.get('node_textfile_scrape_error')!.samples[0]!.value).toBe(0);
    await writeFile(path.join(dir, 'b.prom'), 'ts 1 1700000000000\n');
    out = await collect(dir);
    expect(out.families.has('ts')).toBe(false);
    expect(out.families.get('node_textfile_mtime_seconds')!.samples).toHaveLength(1);
    expect(out.families.get('node_textfile_scrape_error')!.samples[0]!.value).toBe(1);
  });

  it('reports scrape_error 1 and nothing else for a missing directory', async () => {
    const out = await collect('/nonexistent/textfile');
    expect([...out.families.keys()]).toEqual(['node_textfile_scrape_error']);
    expect(out.families.get('node_textfile_scrape_error')!.samples[0]!.value).toBe(1);
  });

  it('writes floats like Go strconv g', () => {
    expect([0.5, 1, 60, 100000, 1e6, 1234567, 1e-4, 1e-5, 2.5e-7, -0, Infinity].map(formatGoFloat)).toEqual([
      '0.5', '1', '60', '100000', '1e+06', '1.234567e+06', '0.0001', '1e-05', '2.5e-07', '-0', '+Inf',
    ]);
  });
});
