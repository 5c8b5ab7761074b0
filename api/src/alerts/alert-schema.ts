import { z } from 'zod';

/** An alert as `GET /api/alerts` returns it (ARCHITECTURE.md), plus when it fired and whether a silence covers it. */
export const alertSchema = z.object({
  id: z.uuid(),
  serverId: z.uuid().nullable(),
  ruleId: z.uuid().nullable(),
  type: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  status: z.enum(['pending', 'firing', 'resolved']),
  value: z.number().nullable(),
  /** When the condition began (pending since; Alertmanager's startsAt for its alerts). */
  timestamp: z.string(),
  firedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  source: z.enum(['rule', 'system', 'alertmanager']),
  fingerprint: z.string(),
  silenced: z.boolean(),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertListSchema = z.object({ items: z.array(alertSchema), total: z.number().int() });

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

/** `GET /api/alerts`: filters (each may repeat), newest first, paged. */
export const alertListQuerySchema = z.object({
  status: oneOrMany(z.enum(['pending', 'firing', 'resolved'])).optional(),
  severity: oneOrMany(z.enum(['info', 'warning', 'critical'])).optional(),
  serverId: z.uuid().optional(),
  ruleId: z.uuid().optional(),
  source: z.enum(['rule', 'system', 'alertmanager']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AlertListQuery = z.infer<typeof alertListQuerySchema>;

export const alertIdParamsSchema = z.object({ id: z.uuid() });
