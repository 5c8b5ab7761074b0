import type pg from 'pg';
import type { ServerListQuery, ServerSort } from './server-schema.ts';
import { queryJsonText } from './query-json-text.ts';
import { LATEST_SNAPSHOT_JOIN, SERVER_COLUMNS } from './server-json.ts';

// Sort keys → SQL; `s.id` breaks ties so pages are stable.
const SORT_SQL: Readonly<Record<ServerSort, string>> = {
  name: 's.name',
  status: 's.status',
  lastSeenAt: 's.last_seen_at',
  createdAt: 's.created_at',
  cpuUsage: 'l."cpuUsage"',
  memoryUsage: 'l."memoryUsage"',
  diskUsage: 'l."diskUsage"',
  load1: 'l.load1',
};

// Sorts that need the newest snapshot before paging.
const BY_SNAPSHOT = new Set<ServerSort>(['cpuUsage', 'memoryUsage', 'diskUsage', 'load1']);

// One statement per sort and direction (a fixed set, so each is prepared once per connection);
// absent filters are NULL parameters. The page is chosen first on plain columns; JSON is built
// only for the servers on it.
function statement(sort: ServerSort, order: 'asc' | 'desc'): { name: string; text: string } {
  const by = `${SORT_SQL[sort]} ${order.toUpperCase()} NULLS LAST, s.id`;
  return {
    name: `sextant-servers-${sort}-${order}`,
    text: `
      WITH matched AS (
        SELECT s.id, row_number() OVER (ORDER BY ${by}) AS position
        FROM servers s ${BY_SNAPSHOT.has(sort) ? LATEST_SNAPSHOT_JOIN : ''}
        WHERE ($1::text IS NULL OR s.name ILIKE $1 OR s.hostname ILIKE $1 OR s.address ILIKE $1)
          AND ($2::text[] IS NULL OR s.status = ANY ($2))
          AND ($3::jsonb IS NULL OR s.labels @> $3)
      ), page AS (
        SELECT id, position FROM matched WHERE position > $4 AND position <= $4 + $5
      )
      SELECT json_build_object(
        'items', coalesce((
          -- An aggregate takes the rows of a sorted subquery in order (PostgreSQL documents this for
          -- aggregates without ORDER BY), which keeps the position out of the objects.
          SELECT json_agg(r)
          FROM (SELECT ${SERVER_COLUMNS} FROM page p JOIN servers s ON s.id = p.id ${LATEST_SNAPSHOT_JOIN} ORDER BY p.position) r
        ), '[]'::json),
        'total', (SELECT count(*) FROM matched)
      )::text AS body`,
  };
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The fleet (or the filtered, sorted page of it) with each server's newest snapshot, as the JSON
 * text of `{items, total}`: one statement, one round trip, built in SQL.
 */
export async function listServers(pool: pg.Pool, query: ServerListQuery): Promise<string> {
  const labels = query.label === undefined ? null : Object.fromEntries(query.label.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  const { name, text } = statement(query.sort, query.order);
  const body = await queryJsonText(pool, name, text, [
      query.search === undefined || query.search === '' ? null : likePattern(query.search),
      query.status ?? null,
      labels === null ? null : JSON.stringify(labels),
      query.offset,
    query.limit,
  ]);
  return body!;
}
