import type pg from 'pg';

/** A range-partitioned table that Sextant manages on plain PostgreSQL. */
export interface PartitionedTable {
  table: string;
  unit: 'day' | 'month';
}

/** Tables partitioned by time on plain PostgreSQL, with the size of one partition. */
export const PARTITIONED: readonly PartitionedTable[] = [
  { table: 'samples', unit: 'day' },
  { table: 'metrics_snapshots', unit: 'day' },
  { table: 'metrics_snapshots_1h', unit: 'month' },
];

function floorTo(unit: PartitionedTable['unit'], t: Date): Date {
  return unit === 'day'
    ? new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()))
    : new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
}

function next(unit: PartitionedTable['unit'], t: Date): Date {
  return unit === 'day'
    ? new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1))
    : new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
}

function suffix(unit: PartitionedTable['unit'], t: Date): string {
  const iso = t.toISOString();
  return unit === 'day' ? iso.slice(0, 10).replaceAll('-', '') : iso.slice(0, 7).replace('-', '');
}

/** Creates the missing UTC partitions covering [from, to]; returns the names it created. */
export async function ensurePartitions(client: pg.ClientBase, spec: PartitionedTable, from: Date, to: Date): Promise<string[]> {
  const existing = new Set((await listPartitions(client, spec.table)).map((p) => p.name));
  const created: string[] = [];
  for (let start = floorTo(spec.unit, from), n = 0; start <= to && n < 1000; start = next(spec.unit, start), n++) {
    const name = `${spec.table}_p${suffix(spec.unit, start)}`;
    if (existing.has(name)) continue;
    const end = next(spec.unit, start);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${spec.table} FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`,
    );
    created.push(name);
  }
  return created;
}

// The bound of a partition Sextant created, read from its name (`samples_p20260310`,
// `metrics_snapshots_1h_p202603`) rather than from pg_get_expr, whose text follows the session's
// DateStyle. Partitions named otherwise are not Sextant's and are never listed, so never dropped.
function upperFromName(table: string, name: string): Date | undefined {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})?$`).exec(name);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, m[3] === undefined ? undefined : Number(m[3])];
  return day === undefined ? new Date(Date.UTC(year, month + 1, 1)) : new Date(Date.UTC(year, month, day + 1));
}

/** The partitions of `table` that Sextant created, with their upper bounds, oldest first. */
export async function listPartitions(client: pg.ClientBase | pg.Pool, table: string): Promise<{ name: string; upper: Date }[]> {
  const result = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return result.rows
    .flatMap((r) => {
      const upper = upperFromName(table, r.name);
      return upper === undefined ? [] : [{ name: r.name, upper }];
    })
    .sort((a, b) => a.upper.getTime() - b.upper.getTime());
}

/** Drops every partition of `table` whose rows all lie before `cutoff`; returns their names. */
export async function dropPartitionsBefore(client: pg.ClientBase, table: string, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const partition of await listPartitions(client, table)) {
    if (partition.upper > cutoff) break;
    await client.query(`DROP TABLE IF EXISTS ${partition.name}`);
    dropped.push(partition.name);
  }
  return dropped;
}
