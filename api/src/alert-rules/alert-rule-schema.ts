import { duration } from '@sextant/config';
import { z } from 'zod';
import { parsePromql } from '../promql/parse-promql.ts';

/** The `metrics_snapshots` columns a rule may watch, plus the built-in rule's scrape age. */
export const SNAPSHOT_METRICS = [
  'cpu_usage', 'memory_usage', 'disk_usage', 'load1', 'load5', 'load15', 'memory_used_bytes', 'memory_total_bytes',
  'disk_used_bytes', 'disk_total_bytes', 'net_rx_bps', 'net_tx_bps', 'uptime_seconds', 'seconds_since_last_scrape',
] as const;
export type SnapshotMetric = (typeof SNAPSHOT_METRICS)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names match [a-zA-Z_][a-zA-Z0-9_]*');
const labels = z.record(labelName, z.string().max(1024)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');
const annotations = z.record(labelName, z.string().max(4096)).refine((l) => Object.keys(l).length <= 32, 'at most 32 annotations');
const expr = z.string().trim().min(1).max(10_000).superRefine((text, ctx) => {
  try {
    parsePromql(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expr is not valid PromQL: ${(err as Error).message}` });
  }
});

export const operatorSchema = z.enum(['>', '>=', '<', '<=']);
export type Operator = z.infer<typeof operatorSchema>;
export const severitySchema = z.enum(['info', 'warning', 'critical']);

const fields = {
  name: z.string().trim().min(1).max(200),
  metric: z.enum(SNAPSHOT_METRICS).nullable().optional(),
  expr: expr.nullable().optional(),
  operator: operatorSchema,
  threshold: z.number().finite(),
  clearThreshold: z.number().finite().nullable().optional(),
  for: duration.refine((ms) => ms >= 0 && ms <= 7 * 86_400_000, 'for must be between 0s and 7d').optional(),
  severity: severitySchema,
  serverId: z.uuid().nullable().optional(),
  labelSelector: labels.nullable().optional(),
  enabled: z.boolean().optional(),
  labels: labels.optional(),
  annotations: annotations.optional(),
};

/** A clear threshold must lie on the "not alerting" side of the threshold (or equal it). */
function checkRule(rule: { metric?: string | null; expr?: string | null; operator?: Operator; threshold?: number; clearThreshold?: number | null }, ctx: z.RefinementCtx): void {
  if (rule.metric != null && rule.expr != null) ctx.addIssue({ code: 'custom', path: ['expr'], message: 'give either metric or expr, not both' });
  const { operator, threshold, clearThreshold } = rule;
  if (operator === undefined || threshold === undefined || clearThreshold == null) return;
  const above = operator === '>' || operator === '>=';
  if (above ? clearThreshold > threshold : clearThreshold < threshold) {
    ctx.addIssue({ code: 'custom', path: ['clearThreshold'], message: `clearThreshold must be ${above ? '<=' : '>='} threshold for operator ${operator}` });
  }
}

/** `POST /api/alert-rules` and `PUT /api/alert-rules/:id`. */
export const alertRuleInputSchema = z
  .strictObject(fields)
  .superRefine((rule, ctx) => {
    if (rule.metric == null && rule.expr == null) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'give a snapshot metric or a PromQL expr' });
    checkRule(rule, ctx);
  });
export type AlertRuleInput = z.infer<typeof alertRuleInputSchema>;

/** `PATCH /api/alert-rules/:id`: only the fields present change. */
export const alertRulePatchSchema = z.strictObject(fields).partial().superRefine(checkRule);
export type AlertRulePatch = z.infer<typeof alertRulePatchSchema>;

/** An alert rule as the API shows it. */
export const alertRuleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  metric: z.string().nullable(),
  expr: z.string().nullable(),
  operator: operatorSchema,
  threshold: z.number(),
  clearThreshold: z.number().nullable(),
  for: z.string().meta({ example: '5m' }),
  severity: severitySchema,
  serverId: z.uuid().nullable(),
  labelSelector: z.record(z.string(), z.string()).nullable(),
  enabled: z.boolean(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  builtin: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertRule = z.infer<typeof alertRuleSchema> & { forMs: number };

export const alertRuleListSchema = z.object({ items: z.array(alertRuleSchema), total: z.number().int() });
export const alertRuleIdParamsSchema = z.object({ id: z.uuid() });

