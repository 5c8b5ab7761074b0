import type pg from 'pg';
import { listPartitions } from '@sextant/storage';

const DAY = 86_400_000;

/**
 * Which times `samples` can hold. On TimescaleDB chunks are created on demand, so every time fits.
 * On plain PostgreSQL there is no default partition, so only the UTC days whose partitions exist
 * (maintenance keeps the retention window and 3 days ahead) fit. The day list is cached and read
 * again when a time misses it, at most once per `refreshMs`.
 */
export class SampleWindow {
  private readonly pool: pg.Pool;
  private readonly refreshMs: number;
  private partitioned: boolean | undefined;
  private days = new Set<number>();
  private readAtMs = Number.NEGATIVE_INFINITY;

  constructor(pool: pg.Pool, refreshMs = 5_000) {
    this.pool = pool;
    this.refreshMs = refreshMs;
  }

  /**
   * Whether every time in [minMs, maxMs] can be stored: `null` when all can (the usual answer, found
   * without looking at single samples), else a test for each sample's time.
   */
  async check(minMs: number, maxMs: number): Promise<((t: number) => boolean) | null> {
    if (this.partitioned === undefined) {
      const kind = await this.pool.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = 'samples'::regclass`);
      this.partitioned = kind.rows[0]?.relkind === 'p';
    }
    if (!Number.isFinite(minMs) || !Number.isFinite(maxMs)) return (t) => Number.isFinite(t) && (!this.partitioned || this.days.has(Math.floor(t / DAY)));
    if (!this.partitioned) return null;
    if (this.covers(minMs, maxMs)) return null;
    if (Date.now() - this.readAtMs >= this.refreshMs) {
      await this.refresh();
      if (this.covers(minMs, maxMs)) return null;
    }
    return (t) => this.days.has(Math.floor(t / DAY));
  }

  private covers(minMs: number, maxMs: number): boolean {
    const first = Math.floor(minMs / DAY);
    const last = Math.floor(maxMs / DAY);
    if (last - first > 1000) return false;
    for (let day = first; day <= last; day++) if (!this.days.has(day)) return false;
    return true;
  }

  /** Forgets the cached partitions (after the database refused a row, say). */
  invalidate(): void {
    this.readAtMs = Number.NEGATIVE_INFINITY;
  }

  private async refresh(): Promise<void> {
    const partitions = await listPartitions(this.pool, 'samples');
    this.days = new Set(partitions.map((p) => Math.round(p.upper.getTime() / DAY) - 1));
    this.readAtMs = Date.now();
  }
}
