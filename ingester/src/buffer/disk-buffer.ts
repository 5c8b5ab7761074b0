import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@sextant/log';
import type { WriteBatch } from '../write-batch.ts';
import { CorruptBatchError, decodeBatch, encodeBatch } from './batch-codec.ts';

export interface DiskBufferOptions {
  /** Directory of the buffer (created if missing); one file per batch. */
  dir: string;
  /** Bytes the buffer may hold; to take more, the oldest batches are dropped (and counted). */
  maxBytes: number;
  log: Logger;
}

/** A batch waiting on disk; `id` orders them, oldest first. */
export interface BufferedBatch {
  id: number;
  batch: WriteBatch;
}

/**
 * Batches kept on disk while storage is away, replayed oldest first. `append` resolves only after
 * the file and its directory entry are fsync'd; a file torn by a crash fails its checksum and is dropped.
 */
export interface DiskBuffer {
  append(batch: WriteBatch): Promise<void>;
  /** The oldest batch still waiting, if any. */
  oldest(): Promise<BufferedBatch | undefined>;
  /** Up to `count` of the oldest batches still waiting, oldest first. */
  oldestBatches(count: number): Promise<BufferedBatch[]>;
  /** Forgets a batch once it is stored. */
  remove(id: number): Promise<void>;
  readonly batches: number;
  readonly bytes: number;
  /** Batches dropped to stay under `maxBytes`, or found corrupt, since start. */
  readonly dropped: number;
  close(): Promise<void>;
}

const NAME = /^(\d{16})\.batch$/;
const fileOf = (dir: string, id: number) => path.join(dir, `${String(id).padStart(16, '0')}.batch`);

async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens (or creates) the buffer in `dir`, picking up what an earlier run left there. */
export async function openDiskBuffer(options: DiskBufferOptions): Promise<DiskBuffer> {
  const { dir, maxBytes } = options;
  const log = options.log.child({ module: 'disk-buffer' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries: { id: number; bytes: number }[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (m === null) {
      if (name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
      continue;
    }
    entries.push({ id: Number(m[1]), bytes: (await stat(path.join(dir, name))).size });
  }
  entries.sort((a, b) => a.id - b.id);
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  let nextId = (entries.at(-1)?.id ?? 0) + 1;
  let dropped = 0;
  let chain: Promise<unknown> = Promise.resolve();
  if (entries.length > 0) log.info({ batches: entries.length, bytes }, 'buffered batches found; they will be replayed');

  async function drop(index: number, why: string): Promise<void> {
    const [entry] = entries.splice(index, 1);
    if (entry === undefined) return;
    bytes -= entry.bytes;
    dropped++;
    await rm(fileOf(dir, entry.id), { force: true });
    log.warn({ id: entry.id, why }, 'buffered batch dropped');
  }

  // Appends and removals are serialised, so ids follow the order batches were handed in.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  };

  const readOldest = (count: number): Promise<BufferedBatch[]> =>
    serial(async () => {
      const found: BufferedBatch[] = [];
      let index = 0;
      while (found.length < count && index < entries.length) {
        const entry = entries[index]!;
        try {
          found.push({ id: entry.id, batch: decodeBatch(await readFile(fileOf(dir, entry.id))) });
          index++;
        } catch (err) {
          if (!(err instanceof CorruptBatchError) && (err as { code?: string }).code !== 'ENOENT') throw err;
          await drop(index, (err as Error).message);
        }
      }
      return found;
    });

  return {
    append: (batch) =>
      serial(async () => {
        const encoded = encodeBatch(batch);
        if (encoded.length > maxBytes) {
          dropped++;
          log.warn({ bytes: encoded.length, maxBytes }, 'batch larger than the whole buffer dropped');
          return;
        }
        while (bytes + encoded.length > maxBytes && entries.length > 0) await drop(0, 'buffer full');
        const id = nextId++;
        const file = fileOf(dir, id);
        const tmp = `${file}.tmp`;
        const handle = await open(tmp, 'w', 0o600);
        try {
          await handle.writeFile(encoded);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, file);
        await fsyncPath(dir);
        entries.push({ id, bytes: encoded.length });
        bytes += encoded.length;
      }),
    oldest: async () => (await readOldest(1))[0],
    oldestBatches: (count) => readOldest(count),
    remove: (id) =>
      serial(async () => {
        const index = entries.findIndex((e) => e.id === id);
        if (index < 0) return;
        const [entry] = entries.splice(index, 1);
        bytes -= entry!.bytes;
        await rm(fileOf(dir, id), { force: true });
      }),
    get batches() {
      return entries.length;
    },
    get bytes() {
      return bytes;
    },
    get dropped() {
      return dropped;
    },
    close: () => serial(() => Promise.resolve()),
  };
}
