import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningServer } from './running-server.ts';

// A stand-in process whose command line says "postgres", running in a directory of our choosing.
function fakePostgres(cwd: string) {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'postgres'], { cwd, stdio: 'ignore' });
}

describe('runningServer', () => {
  let dataDir = '';
  let elsewhere = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-pgdata-'));
    elsewhere = await mkdtemp(path.join(os.tmpdir(), 'sextant-other-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('recognises a server running in the data directory, owned by its live parent', async () => {
    const child = fakePostgres(dataDir);
    try {
      await writeFile(path.join(dataDir, 'postmaster.pid'), `${child.pid}\n${dataDir}\n0\n45678\n`);
      expect(await runningServer(dataDir)).toEqual({ pid: child.pid, port: 45678, owned: true });
    } finally {
      child.kill();
    }
  });

  it('ignores a stale postmaster.pid whose PID now runs elsewhere', async () => {
    const other = fakePostgres(elsewhere);
    try {
      await writeFile(path.join(dataDir, 'postmaster.pid'), `${other.pid}\n${dataDir}\n0\n45678\n`);
      expect(await runningServer(dataDir)).toBeUndefined();
    } finally {
      other.kill();
    }
  });

  it('ignores a missing or unreadable postmaster.pid', async () => {
    await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    expect(await runningServer(dataDir)).toBeUndefined();
  });
});
