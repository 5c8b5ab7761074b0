import type pg from 'pg';
import { queryJsonText } from '../servers/query-json-text.ts';
import { LATEST_SNAPSHOT_JOIN } from '../servers/server-json.ts';

/** `{serverId, status, latest}` of one server as JSON text (`latest` null before its first snapshot); `undefined` when there is no such server. */
export async function latestSnapshot(pool: pg.Pool, serverId: string): Promise<string | undefined> {
  return queryJsonText(
    pool,
    'sextant-latest-snapshot',
    `SELECT json_build_object('serverId', s.id, 'status', s.status, 'latest', to_json(l))::text AS body
     FROM servers s ${LATEST_SNAPSHOT_JOIN} WHERE s.id = $1`,
    [serverId],
  );
}
