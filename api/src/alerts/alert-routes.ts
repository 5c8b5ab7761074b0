import { ALERT_CHANNEL } from '@sextant/contracts';
import { withTransaction } from '@sextant/storage';
import { ApiError, notFound } from '../http/api-error.ts';
import { defineRoute } from '../route.ts';
import type { RouteModule } from '../route.ts';
import { ALERT_COLUMNS, alertFromRow } from './alert-row.ts';
import type { AlertRow } from './alert-row.ts';
import { alertIdParamsSchema, alertListQuerySchema, alertListSchema, alertSchema } from './alert-schema.ts';

const TAGS = ['alerts'];

/** `GET /api/alerts` (current and past alerts) and `POST /api/alerts/:id/ack`. */
export const alertRoutes: RouteModule = ({ storage }) => {
  const { pool } = storage;
  return [
    defineRoute({
      method: 'get', path: '/api/alerts', operationId: 'listAlerts', summary: 'Alerts, newest first; filter by status, severity, server, rule, source',
      tags: TAGS, auth: { role: 'viewer' }, query: alertListQuerySchema,
      responses: { 200: { description: 'one page of alerts and the total that matched', schema: alertListSchema }, 400: { description: 'bad filter' } },
      handler: async ({ query }) => {
        const where: string[] = [];
        const params: unknown[] = [];
        const add = (sql: string, value: unknown): void => {
          params.push(value);
          where.push(sql.replace('?', `$${params.length}`));
        };
        if (query.status !== undefined) add('status = ANY(?)', query.status);
        if (query.severity !== undefined) add('severity = ANY(?)', query.severity);
        if (query.serverId !== undefined) add('server_id = ?', query.serverId);
        if (query.ruleId !== undefined) add('rule_id = ?', query.ruleId);
        if (query.source !== undefined) add('source = ?', query.source);
        const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
        const { rows } = await pool.query<AlertRow & { total: string }>(
          `SELECT ${ALERT_COLUMNS}, count(*) OVER () AS total FROM alerts ${clause}
           ORDER BY "timestamp" DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, query.limit, query.offset],
        );
        let total = Number(rows[0]?.total ?? 0);
        if (rows.length === 0 && query.offset > 0) {
          total = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM alerts ${clause}`, params)).rows[0]!.n);
        }
        return { items: rows.map(alertFromRow), total };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/alerts/:id/ack', operationId: 'acknowledgeAlert', summary: 'Acknowledges an open alert (who and when are recorded)',
      tags: TAGS, auth: { role: 'operator' }, params: alertIdParamsSchema,
      responses: { 200: { description: 'the alert', schema: alertSchema }, 404: { description: 'no such alert' }, 409: { description: 'the alert is resolved (ALERT_RESOLVED)' } },
      handler: async ({ params, principal }) => {
        const acked = await withTransaction(pool, async (client) => {
          const { rows } = await client.query<AlertRow>(
            `UPDATE alerts SET acknowledged_by = $2, acknowledged_at = now(), updated_at = now() WHERE id = $1 AND status <> 'resolved' RETURNING ${ALERT_COLUMNS}`,
            [params.id, principal!.username],
          );
          // Announced after commit (NOTIFY is delivered then): the engine relays it to MQTT.
          if (rows[0] !== undefined) await client.query('SELECT pg_notify($1, $2)', [ALERT_CHANNEL, rows[0].id]);
          return rows[0];
        });
        if (acked !== undefined) return alertFromRow(acked);
        const exists = await pool.query('SELECT 1 FROM alerts WHERE id = $1', [params.id]);
        if (exists.rowCount === 0) throw notFound('alert');
        throw new ApiError(409, 'ALERT_RESOLVED', 'the alert is resolved; only open alerts can be acknowledged');
      },
    }),
  ];
};
