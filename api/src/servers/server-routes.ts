import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import { listServers } from './list-servers.ts';
import { sendJsonText } from './send-json-text.ts';
import {
  serverIdParamsSchema,
  serverInputSchema,
  serverListQuerySchema,
  serverListSchema,
  serverPatchSchema,
  serverSchema,
} from './server-schema.ts';
import { createServerStore } from './server-store.ts';

const TAGS = ['servers'];

/** `/api/servers` CRUD: viewers read the fleet, operators change it. */
export const serverRoutes: RouteModule = ({ storage }) => {
  const store = createServerStore(storage.pool);
  return [
    defineRoute({
      method: 'get',
      path: '/api/servers',
      operationId: 'listServers',
      summary: 'The fleet with each server’s newest snapshot and status; filter by name, status and labels, sort, page',
      tags: TAGS,
      auth: { role: 'viewer' },
      query: serverListQuerySchema,
      responses: { 200: { description: 'servers and the total that matched', schema: serverListSchema }, 400: { description: 'bad filter' } },
      handler: async ({ ctx, query }) => sendJsonText(ctx, await listServers(storage.pool, query)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/servers/:id',
      operationId: 'getServer',
      summary: 'One server with its newest snapshot',
      tags: TAGS,
      auth: { role: 'viewer' },
      params: serverIdParamsSchema,
      responses: { 200: { description: 'the server', schema: serverSchema }, 404: { description: 'no such server (SERVER_NOT_FOUND)' } },
      handler: async ({ ctx, params }) => sendJsonText(ctx, await store.get(params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/servers',
      operationId: 'createServer',
      summary: 'Adds a server; with an exporter address the ingester starts scraping it',
      tags: TAGS,
      auth: { role: 'operator' },
      body: serverInputSchema,
      status: 201,
      responses: {
        201: { description: 'the new server', schema: serverSchema },
        400: { description: 'invalid body' },
        409: { description: 'name or address in use (SERVER_NAME_TAKEN, SERVER_ADDRESS_TAKEN)' },
      },
      handler: async ({ ctx, body }) => {
        const text = await store.create(body);
        ctx.set('Location', `/api/servers/${(JSON.parse(text) as { id: string }).id}`);
        return sendJsonText(ctx, text, 201);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/servers/:id',
      operationId: 'replaceServer',
      summary: 'Replaces a server’s settings (omitted optional fields are cleared)',
      tags: TAGS,
      auth: { role: 'operator' },
      params: serverIdParamsSchema,
      body: serverInputSchema,
      responses: {
        200: { description: 'the server', schema: serverSchema },
        400: { description: 'invalid body' },
        404: { description: 'no such server (SERVER_NOT_FOUND)' },
        409: { description: 'name or address in use (SERVER_NAME_TAKEN, SERVER_ADDRESS_TAKEN)' },
      },
      handler: async ({ ctx, params, body }) => sendJsonText(ctx, await store.replace(params.id, body)),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/servers/:id',
      operationId: 'updateServer',
      summary: 'Changes the given fields of a server',
      tags: TAGS,
      auth: { role: 'operator' },
      params: serverIdParamsSchema,
      body: serverPatchSchema,
      responses: {
        200: { description: 'the server', schema: serverSchema },
        400: { description: 'invalid body' },
        404: { description: 'no such server (SERVER_NOT_FOUND)' },
        409: { description: 'name or address in use (SERVER_NAME_TAKEN, SERVER_ADDRESS_TAKEN)' },
      },
      handler: async ({ ctx, params, body }) => sendJsonText(ctx, await store.update(params.id, body)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/servers/:id',
      operationId: 'deleteServer',
      summary: 'Deletes a server with its snapshots, rules and alerts',
      tags: TAGS,
      auth: { role: 'operator' },
      params: serverIdParamsSchema,
      status: 204,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such server (SERVER_NOT_FOUND)' } },
      handler: async ({ params }) => {
        await store.remove(params.id);
        return undefined;
      },
    }),
  ];
};
