// SQL fragments that build a server's API JSON inside PostgreSQL, shared by every server query so
// the list, one server and the answers of writes have the same shape (`serverSchema`). Rows are
// turned into JSON as records (`json_agg(r)`, `row_to_json(r)`), whose column names are the JSON
// keys: cheaper than `json_build_object` per row.

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
 * `LEFT JOIN LATERAL` of the newest snapshot of server `s` as the record `l`, columns named as its
 * JSON keys (`l."cpuUsage"`): one descent of the (server_id, timestamp) index per partition or chunk,
 * newest first, stopping at the first hit. The bound on `now()` prunes the partitions made ahead
 * of time (an hour of slack for clocks). `l` is NULL for a server without snapshots.
 */
export const LATEST_SNAPSHOT_JOIN = `
  LEFT JOIN LATERAL (
    SELECT ${iso('m."timestamp"')} AS "timestamp", ${SNAPSHOT_FIELDS.map(([name, c]) => `m.${c} AS "${name}"`).join(', ')}
    FROM metrics_snapshots m
    WHERE m.server_id = s.id AND m."timestamp" < now() + INTERVAL '1 hour'
    ORDER BY m."timestamp" DESC
    LIMIT 1
  ) l ON true`;

/** Select list of server `s` with its newest snapshot `l` (from `LATEST_SNAPSHOT_JOIN`), as the API's fields. */
export const SERVER_COLUMNS = `
  s.id, s.name, s.hostname, s.address, host(s.ip_address) AS "ipAddress", s.status, s.labels,
  ${iso('s.last_seen_at')} AS "lastSeenAt", ${iso('s.created_at')} AS "createdAt", ${iso('s.updated_at')} AS "updatedAt",
  l AS latest`;
