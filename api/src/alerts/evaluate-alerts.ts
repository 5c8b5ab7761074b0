import type pg from 'pg';
import type { Logger } from '@sextant/log';
import { listRules } from '../alert-rules/alert-rule-store.ts';
import type { AlertRule } from '../alert-rules/alert-rule-schema.ts';
import type { Engine } from '../promql/engine.ts';
import { markSilentServers } from '../servers/mark-silent-servers.ts';
import { observe } from './alert-state.ts';
import type { Track } from './alert-state.ts';
import { alertFingerprint, labelsKey } from './fingerprint.ts';
import { writeTracks } from './write-tracks.ts';
import type { Subject } from './write-tracks.ts';

/** Serialises evaluation passes across processes (a pass of a lease holder that just lost its lease included). */
const PASS_LOCK = 7_355_001;

export interface EvaluateOptions {
  pool: pg.Pool;
  promql: Engine;
  log: Logger;
  /** Evaluation time; default now. */
  nowMs?: number;
  /**
   * How long a snapshot stays the current value (Prometheus's lookback), and how long a server
   * stays up without an `up` sample before it becomes `unknown`; default 5 minutes.
   */
  staleMs?: number;
  /** How far back a pass replays snapshots it has not seen (after downtime); default 1 hour. */
  catchUpMs?: number;
}

interface ServerRow {
  id: string;
  name: string;
  address: string | null;
  hostname: string | null;
  labels: Record<string, string>;
  seen_ms: number;
}

interface OpenRow {
  id: string;
  fingerprint: string;
  rule_id: string | null;
  status: 'pending' | 'firing';
  start_ms: number;
  fired_ms: number | null;
  value: number | null;
}

type Snapshot = { server_id: string; t: number } & Record<string, number | null>;

const SNAPSHOT_LIMIT = 200_000;

function inScope(rule: AlertRule, server: ServerRow): boolean {
  if (rule.serverId !== null) return rule.serverId === server.id;
  if (rule.labelSelector === null) return true;
  return Object.entries(rule.labelSelector).every(([k, v]) => server.labels[k] === v);
}

function serverLabels(rule: AlertRule, server: ServerRow): Record<string, string> {
  return {
    ...server.labels, ...rule.labels, alertname: rule.name, severity: rule.severity, server: server.name,
    instance: server.address ?? server.hostname ?? server.name,
  };
}

/**
 * One evaluation pass over every enabled rule, in one transaction: replays the snapshots each
 * server got since the previous pass (so nothing is missed after downtime), observes each current
 * value at `now`, and writes the resulting transitions to `alerts` with a NOTIFY per changed alert
 * (delivered at commit). Servers silent for longer than the lookback are marked unknown first
 * (`markSilentServers`). Returns the ids of alerts whose status changed.
 */
export async function evaluateAlerts(options: EvaluateOptions): Promise<string[]> {
  const { pool } = options;
  const now = options.nowMs ?? Date.now();
  const staleMs = options.staleMs ?? 300_000;
  const rules = await listRules(pool, { enabledOnly: true });
  const exprResults = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const rule of rules) {
    if (rule.expr === null) continue;
    try {
      const result = await options.promql.instantQuery(rule.expr, now);
      const series = result.resultType === 'vector' ? result.series : result.resultType === 'scalar' ? [{ labels: {}, t: [result.t], v: [result.v] }] : [];
      exprResults.set(rule.id, series.map((s) => ({ labels: Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== '__name__')), value: s.v[0]! })));
    } catch (err) {
      options.log.warn({ err, ruleId: rule.id }, 'alert rule expression failed; its alerts keep their state');
    }
  }

  // The lookback that makes a snapshot current also bounds how long a silent server stays up. On
  // its own, before the pass's transaction, so the rows it marks are not held locked during it.
  await markSilentServers(pool, now - staleMs, now);

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PASS_LOCK]);
    const servers = (await client.query<ServerRow>(
      `SELECT id, name, address, hostname, labels, (extract(epoch FROM coalesce(last_seen_at, created_at)) * 1000)::float8 AS seen_ms FROM servers`,
    )).rows;
    const open = (await client.query<OpenRow>(
      `SELECT id, fingerprint, rule_id, status, (extract(epoch FROM "timestamp") * 1000)::float8 AS start_ms, (extract(epoch FROM fired_at) * 1000)::float8 AS fired_ms, value
       FROM alerts WHERE status IN ('pending', 'firing') AND source <> 'alertmanager' FOR UPDATE`,
    )).rows;
    const cursors = new Map((await client.query<{ server_id: string; ms: number }>(
      'SELECT server_id, (extract(epoch FROM evaluated_until) * 1000)::float8 AS ms FROM alert_engine_cursors',
    )).rows.map((r) => [r.server_id, r.ms]));
    const cursorOf = (id: string): number => Math.max(cursors.get(id) ?? now - staleMs, now - (options.catchUpMs ?? 3_600_000));

    const metrics = [...new Set(rules.flatMap((r) => (r.metric !== null && r.metric !== 'seconds_since_last_scrape' ? [r.metric] : [])))];
    const replay = new Map<string, Snapshot[]>();
    const latest = new Map<string, Snapshot>();
    if (metrics.length > 0 && servers.length > 0) {
      const cols = metrics.map((m) => `"${m}"`).join(', ');
      const lower = Math.min(...servers.map((s) => cursorOf(s.id)), now - staleMs);
      const rows = (await client.query<Snapshot>(
        `SELECT server_id, (extract(epoch FROM "timestamp") * 1000)::float8 AS t, ${cols} FROM metrics_snapshots
         WHERE "timestamp" > to_timestamp($1 / 1000.0) AND "timestamp" <= to_timestamp($2 / 1000.0) ORDER BY server_id, "timestamp" LIMIT ${SNAPSHOT_LIMIT}`,
        [lower, now],
      )).rows;
      for (const row of rows) {
        if (row.t > now - staleMs) latest.set(row.server_id, row);
        if (row.t <= cursorOf(row.server_id)) continue;
        const list = replay.get(row.server_id) ?? [];
        list.push(row);
        replay.set(row.server_id, list);
      }
    }

    const tracks = new Map<string, Track>();
    const subjects = new Map<string, Subject>();
    const openBy = new Map(open.map((r) => [r.fingerprint, r]));
    const trackOf = (fingerprint: string, subject: Subject): Track => {
      let track = tracks.get(fingerprint);
      if (track === undefined) {
        const row = openBy.get(fingerprint);
        const initial = row === undefined ? undefined : { id: row.id, status: row.status, startMs: row.start_ms, firedMs: row.fired_ms, value: row.value ?? Number.NaN };
        track = { initial: initial === undefined ? undefined : { ...initial }, open: initial, closed: [] };
        tracks.set(fingerprint, track);
        subjects.set(fingerprint, subject);
      }
      return track;
    };

    for (const rule of rules) {
      if (rule.expr !== null) {
        const results = exprResults.get(rule.id);
        if (results === undefined) continue;
        for (const { labels, value } of results) {
          const server = servers.find((s) => s.address !== null && s.address === labels.instance);
          if ((rule.serverId !== null || rule.labelSelector !== null) && (server === undefined || !inScope(rule, server))) continue;
          const alertLabels = { ...labels, ...rule.labels, alertname: rule.name, severity: rule.severity, ...(server === undefined ? {} : { server: server.name }) };
          const fingerprint = alertFingerprint(rule.id, server?.id ?? labelsKey(labels));
          observe(trackOf(fingerprint, { rule, serverId: server?.id ?? null, labels: alertLabels }), now, value, rule);
        }
        continue;
      }
      for (const server of servers) {
        if (!inScope(rule, server)) continue;
        const track = trackOf(alertFingerprint(rule.id, server.id), { rule, serverId: server.id, labels: serverLabels(rule, server) });
        if (rule.metric === 'seconds_since_last_scrape') {
          observe(track, now, Math.max(0, Math.round((now - server.seen_ms) / 1000)), rule);
          continue;
        }
        for (const row of replay.get(server.id) ?? []) {
          const v = row[rule.metric!];
          if (v !== null && v !== undefined) observe(track, row.t, v, rule);
        }
        const current = latest.get(server.id)?.[rule.metric!];
        observe(track, now, current ?? undefined, rule);
      }
    }
    // Alerts whose rule is gone, disabled, or no longer covers them clear now; an expression
    // that failed this time keeps its alerts as they are.
    const keep = new Set(rules.filter((r) => r.expr !== null && !exprResults.has(r.id)).map((r) => r.id));
    for (const { fingerprint, rule_id: ruleId } of open) {
      if (tracks.has(fingerprint) || (ruleId !== null && keep.has(ruleId))) continue;
      observe(trackOf(fingerprint, { rule: undefined, serverId: null, labels: {} }), now, undefined, { operator: '>', threshold: 0, clearThreshold: null, forMs: 0 });
    }

    const changed = await writeTracks(client, { tracks, subjects, nowMs: now });
    const advanced = [...replay].map(([id, rows]) => [id, rows[rows.length - 1]!.t] as const);
    if (advanced.length > 0) {
      await client.query(
        `INSERT INTO alert_engine_cursors (server_id, evaluated_until)
         SELECT id, to_timestamp(ms / 1000.0) FROM unnest($1::uuid[], $2::float8[]) AS u(id, ms)
         ON CONFLICT (server_id) DO UPDATE SET evaluated_until = greatest(alert_engine_cursors.evaluated_until, EXCLUDED.evaluated_until)`,
        [advanced.map((a) => a[0]), advanced.map((a) => a[1])],
      );
    }
    await client.query('COMMIT');
    return changed;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
