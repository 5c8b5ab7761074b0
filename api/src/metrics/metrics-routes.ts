import { z } from 'zod';
import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import { ServerError } from '../servers/server-error.ts';
import { serverIdParamsSchema, serverStatusSchema, snapshotSchema } from '../servers/server-schema.ts';
import { sendJsonText } from '../servers/send-json-text.ts';
import { chooseStep } from './choose-step.ts';
import { latestSnapshot } from './latest-snapshot.ts';
import { readSeries } from './read-series.ts';
import { seriesQuerySchema, seriesSchema } from './series-schema.ts';

const TAGS = ['metrics'];
/** The smallest step chosen when the caller names none: the default scrape interval. */
const MIN_STEP_SECONDS = 60;
const notFound = (id: string) => new ServerError('SERVER_NOT_FOUND', `no server with id ${id}`);

const latestSchema = z.object({ serverId: z.uuid(), status: serverStatusSchema, latest: snapshotSchema.nullable() });

/** Snapshot series and the newest snapshot of one server. */
export const metricsRoutes: RouteModule = ({ storage }) => [
  defineRoute({
    method: 'get',
    path: '/api/servers/:id/metrics',
    operationId: 'getServerMetrics',
    summary: 'Bucketed snapshot series of a server: the step keeps the series within maxPoints; long steps read the hourly rollup',
    tags: TAGS,
    auth: { role: 'viewer' },
    params: serverIdParamsSchema,
    query: seriesQuerySchema,
    responses: {
      200: { description: 'the series', schema: seriesSchema },
      400: { description: 'bad range, step or budget (VALIDATION_FAILED)' },
      404: { description: 'no such server (SERVER_NOT_FOUND)' },
    },
    handler: async ({ ctx, params, query }) => {
      const choice = chooseStep({ ...query, minStepSeconds: MIN_STEP_SECONDS });
      const body = await readSeries(storage.pool, { serverId: params.id, fromMs: query.fromMs, toMs: query.toMs, maxPoints: query.maxPoints, ...choice });
      if (body === undefined) throw notFound(params.id);
      return sendJsonText(ctx, body);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/servers/:id/metrics/latest',
    operationId: 'getServerLatestMetrics',
    summary: 'The newest snapshot of a server (null before its first scrape) and its status',
    tags: TAGS,
    auth: { role: 'viewer' },
    params: serverIdParamsSchema,
    responses: { 200: { description: 'the newest snapshot', schema: latestSchema }, 404: { description: 'no such server (SERVER_NOT_FOUND)' } },
    handler: async ({ ctx, params }) => {
      const body = await latestSnapshot(storage.pool, params.id);
      if (body === undefined) throw notFound(params.id);
      return sendJsonText(ctx, body);
    },
  }),
];
