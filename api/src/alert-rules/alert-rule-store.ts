import type pg from 'pg';
import { formatDuration } from '@sextant/config';
import { ApiError, notFound } from '../http/api-error.ts';
import type { AlertRule, AlertRuleInput, AlertRulePatch } from './alert-rule-schema.ts';

interface RuleRow {
  id: string;
  name: string;
  metric: string | null;
  expr: string | null;
  operator: AlertRule['operator'];
  threshold: number;
  clear_threshold: number | null;
  for_ms: string;
  severity: AlertRule['severity'];
  server_id: string | null;
  label_selector: Record<string, string> | null;
  enabled: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  builtin: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns of `alert_rules` as a `RuleRow`. */
export const RULE_COLUMNS = `id, name, metric, expr, operator, threshold, clear_threshold,
  (extract(epoch FROM for_duration) * 1000)::bigint AS for_ms, severity, server_id, label_selector, enabled,
  labels, annotations, builtin, created_at, updated_at`;

/** A row of `alert_rules` (selected with `RULE_COLUMNS`) as the API shows it. */
export function ruleFromRow(row: RuleRow): AlertRule {
  const forMs = Number(row.for_ms);
  return {
    id: row.id, name: row.name, metric: row.metric, expr: row.expr, operator: row.operator, threshold: row.threshold,
    clearThreshold: row.clear_threshold, for: formatDuration(forMs), forMs, severity: row.severity, serverId: row.server_id,
    labelSelector: row.label_selector, enabled: row.enabled, labels: row.labels, annotations: row.annotations, builtin: row.builtin,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

/** Every rule, built-in first, then by name. */
export async function listRules(pool: pg.Pool, options: { enabledOnly?: boolean } = {}): Promise<AlertRule[]> {
  const where = options.enabledOnly === true ? 'WHERE enabled' : '';
  const { rows } = await pool.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules ${where} ORDER BY builtin IS NULL, name, id`);
  return rows.map(ruleFromRow);
}

const SERVER_MISSING = '23503';

function translate(err: unknown): never {
  if ((err as { code?: string }).code === SERVER_MISSING) throw new ApiError(400, 'ALERT_RULE_SERVER_UNKNOWN', 'serverId names no server', { cause: err });
  throw err;
}

/** Reads, creates, changes and deletes alert rules. The built-in rule may be changed, not deleted. */
export function createAlertRuleStore(pool: pg.Pool) {
  async function get(id: string): Promise<AlertRule> {
    const { rows } = await pool.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = $1`, [id]);
    if (rows[0] === undefined) throw notFound('alert rule');
    return ruleFromRow(rows[0]);
  }

  async function write(id: string | undefined, rule: AlertRuleInput): Promise<AlertRule> {
    const values = [
      rule.name, rule.metric ?? null, rule.expr ?? null, rule.operator, rule.threshold, rule.clearThreshold ?? null, `${rule.for ?? 0} milliseconds`,
      rule.severity, rule.serverId ?? null, rule.labelSelector == null ? null : JSON.stringify(rule.labelSelector), rule.enabled ?? true,
      JSON.stringify(rule.labels ?? {}), JSON.stringify(rule.annotations ?? {}),
    ];
    const sql = id === undefined
      ? `INSERT INTO alert_rules (name, metric, expr, operator, threshold, clear_threshold, for_duration, severity, server_id, label_selector, enabled, labels, annotations)
         VALUES ($1, $2, $3, $4, $5, $6, $7::interval, $8, $9, $10::jsonb, $11, $12::jsonb, $13::jsonb) RETURNING ${RULE_COLUMNS}`
      : `UPDATE alert_rules SET name = $1, metric = $2, expr = $3, operator = $4, threshold = $5, clear_threshold = $6, for_duration = $7::interval,
           severity = $8, server_id = $9, label_selector = $10::jsonb, enabled = $11, labels = $12::jsonb, annotations = $13::jsonb, updated_at = now()
         WHERE id = $14 RETURNING ${RULE_COLUMNS}`;
    const { rows } = await pool.query<RuleRow>(sql, id === undefined ? values : [...values, id]).catch(translate);
    if (rows[0] === undefined) throw notFound('alert rule');
    return ruleFromRow(rows[0]);
  }

  return {
    get,
    list: () => listRules(pool),
    create: (rule: AlertRuleInput) => write(undefined, rule),
    replace: (id: string, rule: AlertRuleInput) => write(id, rule),
    async update(id: string, patch: AlertRulePatch): Promise<AlertRule> {
      const current = await get(id);
      const merged = { ...current, for: current.forMs, ...patch } as AlertRuleInput;
      if (merged.metric != null && merged.expr != null) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'a rule has either metric or expr: set the other to null');
      }
      return write(id, merged);
    },
    async remove(id: string): Promise<void> {
      const { rows } = await pool.query<{ builtin: string | null }>('SELECT builtin FROM alert_rules WHERE id = $1', [id]);
      if (rows[0] === undefined) throw notFound('alert rule');
      if (rows[0].builtin !== null) throw new ApiError(409, 'ALERT_RULE_BUILTIN', 'the built-in rule cannot be deleted; disable it instead');
      await pool.query('DELETE FROM alert_rules WHERE id = $1', [id]);
    },
  };
}

export type AlertRuleStore = ReturnType<typeof createAlertRuleStore>;
