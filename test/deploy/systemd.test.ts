import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './dashboards.ts';

// The systemd units in deploy/systemd: `systemd-analyze verify` where systemd is installed (with
// ExecStart pointed at a stand-in, since `sextant` is not installed here), and static checks of
// the hardening everywhere.

const run = promisify(execFile);
const UNIT_DIR = path.join(ROOT, 'deploy/systemd');
const units = (await readdir(UNIT_DIR)).filter((f) => f.endsWith('.service')).sort();
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
if (analyze === undefined) process.stderr.write('SKIP: systemd-analyze not installed: the units get static checks only\n');

/** `Key=value` settings of a unit file by section; repeated keys keep every value. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section !== null) {
      current = new Map<string, string[]>();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

it('ships a unit for the exporter and one for the all-in-one', () => {
  expect(units).toEqual(['sextant-exporter.service', 'sextant.service']);
});

describe.each(units)('%s', (unit) => {
  let dir = '';
  let text = '';
  beforeAll(async () => {
    text = await readFile(path.join(UNIT_DIR, unit), 'utf8');
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-unit-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('runs the sextant command it is named after', () => {
    const service = parseUnit(text).get('Service')!;
    const command = unit === 'sextant.service' ? 'up' : unit.replace(/^sextant-|\.service$/g, '');
    expect(service.get('ExecStart')).toEqual([`/usr/local/bin/sextant ${command}`]);
    expect(parseUnit(text).get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('is hardened: an unprivileged throw-away user, read-only system, no capabilities', () => {
    const service = parseUnit(text).get('Service')!;
    const one = (key: string) => service.get(key)?.at(-1);
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true);
    expect(one('ProtectSystem')).toBe('strict');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictSUIDSGID', 'LockPersonality']) {
      expect(one(key), key).toBe('yes');
    }
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('SystemCallFilter')).toBe('@system-service');
    expect(one('Restart')).toBe('on-failure');
    // Settings and secrets come from a root-owned file, not the unit.
    expect(one('EnvironmentFile')).toMatch(/^-\/etc\//);
    for (const setting of service.get('Environment') ?? []) expect(setting).not.toMatch(/(PASSWORD|SECRET|TOKEN|KEY)=/);
  });

  it.skipIf(analyze === undefined)('passes systemd-analyze verify', async () => {
    const standIn = path.join(dir, 'sextant');
    await writeFile(standIn, '#!/bin/sh\nexit 0\n');
    await chmod(standIn, 0o755);
    const copy = path.join(dir, unit);
    await writeFile(copy, text.replaceAll('/usr/local/bin/sextant', standIn));
    const result = await run(analyze!, ['verify', copy]).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
    );
    expect(result.out.trim()).toBe('');
    expect(result.code).toBe(0);
  });
});
