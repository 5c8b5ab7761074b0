// SQL fragments that build a server's API JSON inside PostgreSQL, shared by every server query so
// the list, one server and the answers of writes have the same shape (`serverSchema`).

/** RFC 3339 UTC with milliseconds, for `to_char(<ts> AT TIME ZONE 'UTC', ISO_MS)`. */
export const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

const SNAPSHOT_FIELDS = [
  ['cpuUsage', 'cpu_usage'],
  ['memoryUsage', 'memory_usage'],
  ['diskUsage', 'disk_usage'],
  ['load1', 'load1'],
  ['load5', 'load5'],
  ['load15', 'load15'],
  ['memoryUsedBytes', 'memory_used_bytes'],
  ['memoryTotalBytes', 'memory_total_bytes'],
  ['diskUsedBytes', 'disk_used_bytes'],
  ['diskTotalBytes', 'disk_total_bytes'],
  ['netRxBps', 'net_rx_bps'],
  ['netTxBps', 'net_tx_bps'],
  ['uptimeSeconds', 'uptime_seconds'],
] as const;

/**
 * `LEFT JOIN LATERAL` of the newest snapshot of server `s`, as `l`: one descent of the
 * (server_id, timestamp) index (per partition or chunk, newest first, stopping at the first hit).
 */
export const LATEST_SNAPSHOT_JOIN = `
  LEFT JOIN LATERAL (
    SELECT "timestamp", ${SNAPSHOT_FIELDS.map(([, c]) => c).join(', ')}
    FROM metrics_snapshots m
    WHERE m.server_id = s.id
    ORDER BY m."timestamp" DESC
    LIMIT 1
  ) l ON true`;

/** The JSON of server `s` with its newest snapshot `l` (from `LATEST_SNAPSHOT_JOIN`). */
export const SERVER_JSON = `json_build_object(
  'id', s.id, 'name', s.name, 'hostname', s.hostname, 'address', s.address, 'ipAddress', host(s.ip_address),
  'status', s.status, 'labels', s.labels, 'lastSeenAt', ${iso('s.last_seen_at')},
  'createdAt', ${iso('s.created_at')}, 'updatedAt', ${iso('s.updated_at')},
  'latest', CASE WHEN l."timestamp" IS NULL THEN NULL ELSE json_build_object(
    'timestamp', ${iso('l."timestamp"')}, ${SNAPSHOT_FIELDS.map(([name, c]) => `'${name}', l.${c}`).join(', ')}) END)`;

/** The JSON of the newest snapshot `l` alone. */
export const SNAPSHOT_JSON = `json_build_object('timestamp', ${iso('l."timestamp"')}, ${SNAPSHOT_FIELDS.map(([name, c]) => `'${name}', l.${c}`).join(', ')})`;
