import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import { silenceIdParamsSchema, silenceInputSchema, silenceListQuerySchema, silenceListSchema, silenceSchema } from './silence-schema.ts';
import { createSilenceStore } from './silence-store.ts';

const TAGS = ['alerts'];

/**
 * `/api/silences`: matchers over alert labels and a time window. A silenced alert is still recorded
 * and listed (`silenced: true`) but is neither published nor sent to Alertmanager.
 */
export const silenceRoutes: RouteModule = ({ storage }) => {
  const store = createSilenceStore(storage.pool);
  return [
    defineRoute({
      method: 'get', path: '/api/silences', operationId: 'listSilences', summary: 'Silences, newest end first; filter by state',
      tags: TAGS, auth: { role: 'viewer' }, query: silenceListQuerySchema,
      responses: { 200: { description: 'the silences', schema: silenceListSchema }, 400: { description: 'bad filter' } },
      handler: async ({ query }) => {
        const items = await store.list(query.state);
        return { items, total: items.length };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/silences/:id', operationId: 'getSilence', summary: 'One silence',
      tags: TAGS, auth: { role: 'viewer' }, params: silenceIdParamsSchema,
      responses: { 200: { description: 'the silence', schema: silenceSchema }, 404: { description: 'no such silence' } },
      handler: ({ params }) => store.get(params.id),
    }),
    defineRoute({
      method: 'post', path: '/api/silences', operationId: 'createSilence', summary: 'Silences the alerts whose labels match, from startsAt (default now) to endsAt',
      tags: TAGS, auth: { role: 'operator' }, body: silenceInputSchema, status: 201,
      responses: { 201: { description: 'the new silence', schema: silenceSchema }, 400: { description: 'invalid body' } },
      handler: async ({ ctx, body, principal }) => {
        const silence = await store.create(body, principal!.username);
        ctx.set('Location', `/api/silences/${silence.id}`);
        return silence;
      },
    }),
    defineRoute({
      method: 'put', path: '/api/silences/:id', operationId: 'replaceSilence', summary: 'Changes a silence’s matchers and window',
      tags: TAGS, auth: { role: 'operator' }, params: silenceIdParamsSchema, body: silenceInputSchema,
      responses: { 200: { description: 'the silence', schema: silenceSchema }, 400: { description: 'invalid body' }, 404: { description: 'no such silence' } },
      handler: ({ params, body }) => store.replace(params.id, body),
    }),
    defineRoute({
      method: 'delete', path: '/api/silences/:id', operationId: 'expireSilence', summary: 'Expires a silence now (it stays listed as expired)',
      tags: TAGS, auth: { role: 'operator' }, params: silenceIdParamsSchema, status: 204,
      responses: { 204: { description: 'expired' }, 404: { description: 'no such silence' } },
      handler: async ({ params }) => {
        await store.expire(params.id);
        return undefined;
      },
    }),
  ];
};
