import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

/** One alert of an Alertmanager webhook notification (compat §5.4); unknown fields ignored. */
export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  /** `0001-01-01T00:00:00Z` while firing. */
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(64).optional(),
});
export type WebhookAlert = z.output<typeof webhookAlertSchema>;

/** Alertmanager's webhook payload, version 4 (compat §5.4). */
export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: 'only webhook payload version "4" is understood' }),
  groupKey: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  alerts: z.array(webhookAlertSchema).max(10_000),
});
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
