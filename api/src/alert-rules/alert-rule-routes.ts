import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import {
  alertRuleIdParamsSchema,
  alertRuleInputSchema,
  alertRuleListSchema,
  alertRulePatchSchema,
  alertRuleSchema,
} from './alert-rule-schema.ts';
import type { AlertRule } from './alert-rule-schema.ts';
import { createAlertRuleStore } from './alert-rule-store.ts';

/** The rule as the API shows it (`for` as text, without the engine's millisecond copy). */
const shown = ({ forMs: _forMs, ...rule }: AlertRule): Omit<AlertRule, 'forMs'> => rule;

const TAGS = ['alerts'];

/** `/api/alert-rules` CRUD: viewers read the rules, operators change them. */
export const alertRuleRoutes: RouteModule = ({ storage }) => {
  const store = createAlertRuleStore(storage.pool);
  const bad = { description: 'invalid body (VALIDATION_FAILED, ALERT_RULE_SERVER_UNKNOWN)' };
  return [
    defineRoute({
      method: 'get', path: '/api/alert-rules', operationId: 'listAlertRules', summary: 'Every alert rule, the built-in "server down" rule first',
      tags: TAGS, auth: { role: 'viewer' },
      responses: { 200: { description: 'the rules', schema: alertRuleListSchema } },
      handler: async () => {
        const items = (await store.list()).map(shown);
        return { items, total: items.length };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/alert-rules/:id', operationId: 'getAlertRule', summary: 'One alert rule',
      tags: TAGS, auth: { role: 'viewer' }, params: alertRuleIdParamsSchema,
      responses: { 200: { description: 'the rule', schema: alertRuleSchema }, 404: { description: 'no such rule' } },
      handler: async ({ params }) => shown(await store.get(params.id)),
    }),
    defineRoute({
      method: 'post', path: '/api/alert-rules', operationId: 'createAlertRule',
      summary: 'Adds a rule: a snapshot metric or PromQL expr compared with a threshold, held for `for`, cleared below clearThreshold',
      tags: TAGS, auth: { role: 'operator' }, body: alertRuleInputSchema, status: 201,
      responses: { 201: { description: 'the new rule', schema: alertRuleSchema }, 400: bad },
      handler: async ({ ctx, body }) => {
        const rule = await store.create(body);
        ctx.set('Location', `/api/alert-rules/${rule.id}`);
        return shown(rule);
      },
    }),
    defineRoute({
      method: 'put', path: '/api/alert-rules/:id', operationId: 'replaceAlertRule', summary: 'Replaces a rule (omitted optional fields are cleared)',
      tags: TAGS, auth: { role: 'operator' }, params: alertRuleIdParamsSchema, body: alertRuleInputSchema,
      responses: { 200: { description: 'the rule', schema: alertRuleSchema }, 400: bad, 404: { description: 'no such rule' } },
      handler: async ({ params, body }) => shown(await store.replace(params.id, body)),
    }),
    defineRoute({
      method: 'patch', path: '/api/alert-rules/:id', operationId: 'updateAlertRule', summary: 'Changes the given fields of a rule',
      tags: TAGS, auth: { role: 'operator' }, params: alertRuleIdParamsSchema, body: alertRulePatchSchema,
      responses: { 200: { description: 'the rule', schema: alertRuleSchema }, 400: bad, 404: { description: 'no such rule' } },
      handler: async ({ params, body }) => shown(await store.update(params.id, body)),
    }),
    defineRoute({
      method: 'delete', path: '/api/alert-rules/:id', operationId: 'deleteAlertRule', summary: 'Deletes a rule; its alerts stay as history',
      tags: TAGS, auth: { role: 'operator' }, params: alertRuleIdParamsSchema, status: 204,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such rule' }, 409: { description: 'the built-in rule (ALERT_RULE_BUILTIN)' } },
      handler: async ({ params }) => {
        await store.remove(params.id);
        return undefined;
      },
    }),
  ];
};
