import type pg from 'pg';

/** Creates a server and returns its id. */
export async function addServer(pool: pg.Pool, name: string): Promise<string> {
  const result = await pool.query<{ id: string }>(`INSERT INTO servers (name, address) VALUES ($1, $2) RETURNING id`, [name, `${name}:9464`]);
  return result.rows[0]!.id;
}

/** Inserts one snapshot per entry: `[timestamp, cpu_usage]`. */
export async function addSnapshots(pool: pg.Pool, serverId: string, points: readonly (readonly [Date, number])[]): Promise<void> {
  await pool.query(
    `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage)
     SELECT $1, t, c, c / 2 FROM unnest($2::timestamptz[], $3::float8[]) AS p(t, c)`,
    [serverId, points.map((p) => p[0]), points.map((p) => p[1])],
  );
}

/** Snapshots every `stepMinutes` from `start` for `count` points, cpu = `cpu(i)`. */
export function series(start: Date, stepMinutes: number, count: number, cpu: (i: number) => number): [Date, number][] {
  return Array.from({ length: count }, (_, i) => [new Date(start.getTime() + i * stepMinutes * 60_000), cpu(i)]);
}
