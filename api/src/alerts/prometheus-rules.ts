import type pg from 'pg';
import { listRules } from '../alert-rules/alert-rule-store.ts';
import type { AlertRule } from '../alert-rules/alert-rule-schema.ts';
import { ALERT_COLUMNS } from './alert-row.ts';
import type { AlertRow } from './alert-row.ts';
import { rulePromql } from './rule-promql.ts';

/** Prometheus's alert entry of `/api/v1/alerts` and of a rule's `alerts` (compat §5.5). */
interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

const promAlert = (row: AlertRow): PromAlert => ({
  labels: row.labels, annotations: row.annotations, state: row.status as PromAlert['state'],
  activeAt: row.timestamp.toISOString(), value: row.value === null ? 'NaN' : String(row.value),
});

async function openAlerts(pool: pg.Pool): Promise<AlertRow[]> {
  const { rows } = await pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE status IN ('pending', 'firing') ORDER BY "timestamp", id LIMIT 10000`);
  return rows;
}

/** `GET /api/v1/alerts` data: every open alert, Alertmanager's included. */
export async function prometheusAlerts(pool: pg.Pool): Promise<{ alerts: PromAlert[] }> {
  return { alerts: (await openAlerts(pool)).map(promAlert) };
}

/** `GET /api/v1/rules` data: Sextant's rules as one alerting group named `sextant` (compat §5.5). */
export async function prometheusRules(pool: pg.Pool, intervalMs: number): Promise<{ groups: unknown[] }> {
  const [rules, alerts] = await Promise.all([listRules(pool, { enabledOnly: true }), openAlerts(pool)]);
  const { rows } = await pool.query<{ at: Date | null }>('SELECT max(evaluated_until) AS at FROM alert_engine_cursors');
  const lastEvaluation = (rows[0]?.at ?? new Date(0)).toISOString();
  const entry = (rule: AlertRule) => {
    const mine = alerts.filter((a) => a.rule_id === rule.id);
    return {
      type: 'alerting', name: rule.name, query: rulePromql(rule), duration: rule.forMs / 1000,
      labels: { ...rule.labels, severity: rule.severity }, annotations: rule.annotations,
      alerts: mine.map(promAlert), health: 'ok', lastEvaluation, evaluationTime: 0,
      state: mine.some((a) => a.status === 'firing') ? 'firing' : mine.length > 0 ? 'pending' : 'inactive',
    };
  };
  return { groups: rules.length === 0 ? [] : [{ name: 'sextant', file: 'sextant', interval: intervalMs / 1000, lastEvaluation, evaluationTime: 0, rules: rules.map(entry) }] };
}
