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

const ts = (ms: number): Date => new Date(ms);

/**
 * Writes the transitions of one pass: resolves finished episodes, drops pending alerts that
 * cleared, inserts or updates open ones (labels, rendered annotations, silenced), and NOTIFYs
 * `ALERT_CHANNEL` for each alert whose status changed. Returns those alerts' ids.
 */
export async function writeTracks(
  client: pg.PoolClient,
  { tracks, subjects, nowMs }: { tracks: Map<string, Track>; subjects: Map<string, Subject>; nowMs: number },
): Promise<string[]> {
  const silences = await activeSilences(client, ts(nowMs));
  const changed: string[] = [];
  for (const [fingerprint, track] of tracks) {
    const subject = subjects.get(fingerprint)!;
    const { rule } = subject;
    const kind = rule === undefined ? undefined : { type: rule.builtin ?? (rule.expr === null ? 'threshold' : 'promql'), source: rule.builtin === null ? 'rule' : 'system' };
    const silenced = silences.some((m) => silenceMatches(m, subject.labels));
    for (const closed of track.closed) {
      if (closed.id !== undefined) {
        await client.query(
          `UPDATE alerts SET status = 'resolved', resolved_at = $2, fired_at = coalesce(fired_at, $3), value = $4, updated_at = now() WHERE id = $1`,
          [closed.id, ts(closed.resolvedMs), ts(closed.firedMs), closed.value],
        );
        changed.push(closed.id);
      } else if (rule !== undefined && kind !== undefined) {
        // A whole episode inside one pass (catch-up after downtime): kept as history.
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO alerts (server_id, rule_id, type, severity, status, value, "timestamp", fired_at, resolved_at, fingerprint, labels, annotations, source, silenced)
           VALUES ($1, $2, $3, $4, 'resolved', $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [subject.serverId, rule.id, kind.type, rule.severity, closed.value, ts(closed.startMs), ts(closed.firedMs), ts(closed.resolvedMs), fingerprint,
            subject.labels, renderAnnotations(rule.annotations, subject.labels, closed.value), kind.source, silenced],
        );
        changed.push(rows[0]!.id);
      }
    }
    const initial = track.initial;
    const open = track.open;
    if (initial?.id !== undefined && initial.status === 'pending' && open?.id !== initial.id && !track.closed.some((c) => c.id === initial.id)) {
      await client.query('DELETE FROM alerts WHERE id = $1', [initial.id]);
    }
    if (open === undefined) continue;
    const annotations = rule === undefined ? undefined : renderAnnotations(rule.annotations, subject.labels, open.value);
    if (open.id !== undefined) {
      const { rows } = await client.query<{ id: string; was: string }>(
        `UPDATE alerts a SET status = $2, fired_at = $3, value = $4, labels = coalesce($5, labels), annotations = coalesce($6, annotations), silenced = $7,
           updated_at = now() FROM (SELECT status AS was FROM alerts WHERE id = $1) o WHERE a.id = $1 RETURNING a.id, o.was`,
        [open.id, open.status, open.firedMs === null ? null : ts(open.firedMs), Number.isNaN(open.value) ? null : open.value,
          rule === undefined ? null : subject.labels, annotations ?? null, rule === undefined ? false : silenced],
      );
      if (rows[0] !== undefined && rows[0].was !== open.status) changed.push(open.id);
    } else if (rule !== undefined && kind !== undefined) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO alerts (server_id, rule_id, type, severity, status, value, "timestamp", fired_at, fingerprint, labels, annotations, source, silenced)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [subject.serverId, rule.id, kind.type, rule.severity, open.status, open.value, ts(open.startMs), open.firedMs === null ? null : ts(open.firedMs),
          fingerprint, subject.labels, annotations, kind.source, silenced],
      );
      open.id = rows[0]!.id;
      changed.push(open.id);
    }
  }
  for (const id of changed) await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, id]);
  return changed;
}
