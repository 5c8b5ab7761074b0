import { z } from 'zod';

/** One matcher, as Alertmanager's silences have them: `name` `=`, `!=`, `=~` or `!~` `value` (regexes anchored). */
export const matcherSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'matcher names match [a-zA-Z_][a-zA-Z0-9_]*'),
  value: z.string().max(1024),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
}).superRefine((m, ctx) => {
  if (!m.isRegex) return;
  try {
    new RegExp(`^(?:${m.value})$`);
  } catch {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid regular expression: ${m.value}` });
  }
});
export type Matcher = z.output<typeof matcherSchema>;

const fields = {
  matchers: z.array(matcherSchema).min(1, 'a silence needs at least one matcher').max(32),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }),
  comment: z.string().max(1000).optional(),
};

const ordered = (s: { startsAt?: string | undefined; endsAt?: string | undefined }, ctx: z.RefinementCtx): void => {
  if (s.endsAt !== undefined && Date.parse(s.endsAt) <= Date.parse(s.startsAt ?? new Date().toISOString())) {
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt (default now)' });
  }
};

/** `POST /api/silences` and `PUT /api/silences/:id`; `startsAt` defaults to now. */
export const silenceInputSchema = z.strictObject(fields).superRefine(ordered);
export type SilenceInput = z.infer<typeof silenceInputSchema>;

export const silenceSchema = z.object({
  id: z.uuid(),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean() })),
  startsAt: z.string(),
  endsAt: z.string(),
  comment: z.string(),
  createdBy: z.string(),
  /** `active` while now is in [startsAt, endsAt), `pending` before, `expired` after. */
  state: z.enum(['pending', 'active', 'expired']),
});
export type Silence = z.infer<typeof silenceSchema>;

export const silenceListSchema = z.object({ items: z.array(silenceSchema), total: z.number().int() });
export const silenceListQuerySchema = z.object({ state: z.enum(['pending', 'active', 'expired']).optional() });
export const silenceIdParamsSchema = z.object({ id: z.uuid() });
