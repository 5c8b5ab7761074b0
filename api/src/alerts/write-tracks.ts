import type pg from 'pg';
import { ALERT_CHANNEL } from '@sextant/contracts';
import type { AlertRule } from '../alert-rules/alert-rule-schema.ts';
import { silenceMatches } from '../silences/silence-matches.ts';
import { activeSilences } from '../silences/silence-store.ts';
import type { Track } from './alert-state.ts';
import { renderAnnotations } from './render-template.ts';

/** What an alert of a fingerprint is about; `rule` undefined for a stored alert whose rule no longer covers it. */
export interface Subject {
  rule: AlertRule | undefined;
  serverId: string | null;
  labels: Record<string, string>;
}

interface NewRow {
  server_id: string | null;
  rule_id: string;
  type: string;
  severity: string;
  status: string;
  value: number | null;
  ts: string;
  fired_at: string | null;
  resolved_at: string | null;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  source: string;
  silenced: boolean;
}

interface OpenUpdate {
  id: string;
  status: string;
  fired_at: string | null;
  value: number | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  silenced: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const num = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Writes the transitions of one pass in a few set-based statements: resolves finished episodes,
 * drops pending alerts that cleared, updates open ones (value, labels, rendered annotations,
 * silenced), inserts new ones, and NOTIFYs `ALERT_CHANNEL` for each alert whose status changed.
 * Returns those alerts' ids.
 */
export async function writeTracks(
  client: pg.PoolClient,
  { tracks, subjects, nowMs }: { tracks: Map<string, Track>; subjects: Map<string, Subject>; nowMs: number },
): Promise<string[]> {
  const silences = await activeSilences(client, new Date(nowMs));
  const changed: string[] = [];
  const resolved: { id: string; resolved_at: string; fired_at: string; value: number | null }[] = [];
  const dropped: string[] = [];
  const updates: OpenUpdate[] = [];
  const inserts: NewRow[] = [];
  for (const [fingerprint, track] of tracks) {
    const subject = subjects.get(fingerprint)!;
    const { rule } = subject;
    const silenced = rule !== undefined && silences.some((m) => silenceMatches(m, subject.labels));
    const row = (status: string, value: number, startMs: number, firedMs: number | null, resolvedMs: number | null): NewRow => ({
      server_id: subject.serverId, rule_id: rule!.id, type: rule!.builtin ?? (rule!.expr === null ? 'threshold' : 'promql'), severity: rule!.severity,
      status, value: num(value), ts: iso(startMs), fired_at: firedMs === null ? null : iso(firedMs), resolved_at: resolvedMs === null ? null : iso(resolvedMs),
      fingerprint, labels: subject.labels, annotations: renderAnnotations(rule!.annotations, subject.labels, num(value)),
      source: rule!.builtin === null ? 'rule' : 'system', silenced,
    });
    for (const closed of track.closed) {
      if (closed.id !== undefined) {
        resolved.push({ id: closed.id, resolved_at: iso(closed.resolvedMs), fired_at: iso(closed.firedMs), value: num(closed.value) });
        changed.push(closed.id);
      } else if (rule !== undefined) {
        // A whole episode inside one pass (catch-up after downtime): kept as history.
        inserts.push(row('resolved', closed.value, closed.startMs, closed.firedMs, closed.resolvedMs));
      }
    }
    const { initial, open } = track;
    if (initial?.id !== undefined && initial.status === 'pending' && open?.id !== initial.id && !track.closed.some((c) => c.id === initial.id)) {
      dropped.push(initial.id);
    }
    if (open === undefined) continue;
    if (open.id !== undefined) {
      updates.push({
        id: open.id, status: open.status, fired_at: open.firedMs === null ? null : iso(open.firedMs), value: num(open.value),
        labels: rule === undefined ? null : subject.labels, annotations: rule === undefined ? null : renderAnnotations(rule.annotations, subject.labels, num(open.value)), silenced,
      });
      if (initial?.id === open.id && initial.status !== open.status) changed.push(open.id);
    } else if (rule !== undefined) {
      inserts.push(row(open.status, open.value, open.startMs, open.firedMs, null));
    }
  }
  if (resolved.length > 0) {
    await client.query(
      `UPDATE alerts a SET status = 'resolved', resolved_at = r.resolved_at, fired_at = coalesce(a.fired_at, r.fired_at), value = r.value, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, resolved_at timestamptz, fired_at timestamptz, value float8) WHERE a.id = r.id`,
      [JSON.stringify(resolved)],
    );
  }
  if (dropped.length > 0) await client.query('DELETE FROM alerts WHERE id = ANY($1::uuid[])', [dropped]);
  if (updates.length > 0) {
    await client.query(
      `UPDATE alerts a SET status = u.status, fired_at = u.fired_at, value = u.value, labels = coalesce(u.labels, a.labels),
         annotations = coalesce(u.annotations, a.annotations), silenced = u.silenced, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, fired_at timestamptz, value float8, labels jsonb, annotations jsonb, silenced boolean)
       WHERE a.id = u.id AND (a.status, a.fired_at, a.value, a.labels, a.annotations, a.silenced)
         IS DISTINCT FROM (u.status, u.fired_at, u.value, coalesce(u.labels, a.labels), coalesce(u.annotations, a.annotations), u.silenced)`,
      [JSON.stringify(updates)],
    );
  }
  if (inserts.length > 0) {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO alerts (server_id, rule_id, type, severity, status, value, "timestamp", fired_at, resolved_at, fingerprint, labels, annotations, source, silenced)
       SELECT server_id, rule_id, type, severity, status, value, ts, fired_at, resolved_at, fingerprint, labels, annotations, source, silenced
       FROM jsonb_to_recordset($1::jsonb) AS n(server_id uuid, rule_id uuid, type text, severity text, status text, value float8, ts timestamptz,
         fired_at timestamptz, resolved_at timestamptz, fingerprint text, labels jsonb, annotations jsonb, source text, silenced boolean)
       ORDER BY resolved_at IS NULL, ts
       RETURNING id`,
      [JSON.stringify(inserts)],
    );
    changed.push(...rows.map((r) => r.id));
  }
  if (changed.length > 0) await client.query('SELECT pg_notify($1, id::text) FROM unnest($2::uuid[]) AS id', [ALERT_CHANNEL, changed]);
  return changed;
}
