import { z } from 'zod';
import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import { sendJsonText } from '../servers/send-json-text.ts';
import { sdTargets } from './sd-targets.ts';

const targetGroupSchema = z.object({
  targets: z.array(z.string()).describe('the exporter address, host:port'),
  labels: z
    .record(z.string(), z.string())
    .describe('the server’s labels, plus __meta_sextant_server_id, _server_name, _hostname, _ip_address, _status and _label_<name> for relabeling'),
});

/**
 * Prometheus HTTP service discovery of the fleet, so an existing Prometheus scrapes the same
 * exporters: `http_sd_configs: [{url: http://<api>/api/sd/targets, authorization: {credentials: <read token>}}]`.
 */
export const sdRoutes: RouteModule = ({ storage }) => [
  defineRoute({
    method: 'get',
    path: '/api/sd/targets',
    operationId: 'getSdTargets',
    summary: 'Prometheus HTTP service discovery: one target group per server with an exporter address',
    tags: ['prometheus'],
    auth: { role: 'viewer', scope: 'read' },
    responses: { 200: { description: 'target groups (http_sd format)', schema: z.array(targetGroupSchema) } },
    handler: async ({ ctx }) => sendJsonText(ctx, await sdTargets(storage.pool)),
  }),
];
