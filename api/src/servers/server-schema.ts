import { isIP } from 'node:net';
import { z } from 'zod';

// A label name as Prometheus accepts it (compat §2.3), minus the reserved `__` prefix, so labels
// can be handed to Prometheus service discovery unchanged.
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names match [a-zA-Z_][a-zA-Z0-9_]*').refine((n) => !n.startsWith('__'), 'label names starting with __ are reserved');
// A DNS name (underscores tolerated, as internal names often have them), an IPv4 address, or an
// IPv6 address in brackets.
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?(?:\.[a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*)$/;

/** Exporter address `host:port` (IPv6 hosts in brackets), the target the ingester scrapes. */
export const addressSchema = z
  .string()
  .trim()
  .max(261)
  .refine((text) => {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return false;
    const port = text.slice(colon + 1);
    return HOST.test(text.slice(0, colon)) && /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535;
  }, 'address must be host:port, e.g. web-1.example.com:9464 or [::1]:9464')
  .meta({ example: 'web-1.example.com:9464' });

export const labelsSchema = z.record(labelName, z.string().max(1024)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');

const name = z.string().trim().min(1).max(200);
const hostname = z.string().trim().min(1).max(253).refine((v) => HOST.test(v) || isIP(v) !== 0, 'hostname must be a DNS name or an IP address');
const ipAddress = z.union([z.ipv4(), z.ipv6()]);

/** `POST /api/servers` and `PUT /api/servers/:id`: every field; omitted optional ones become null / `{}`. */
export const serverInputSchema = z.strictObject({
  name,
  hostname: hostname.nullable().optional(),
  address: addressSchema.nullable().optional(),
  ipAddress: ipAddress.nullable().optional(),
  labels: labelsSchema.optional(),
});
export type ServerInput = z.infer<typeof serverInputSchema>;

/** `PATCH /api/servers/:id`: only the fields present change. */
export const serverPatchSchema = z
  .strictObject({
    name: name.optional(),
    hostname: hostname.nullable().optional(),
    address: addressSchema.nullable().optional(),
    ipAddress: ipAddress.nullable().optional(),
    labels: labelsSchema.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type ServerPatch = z.infer<typeof serverPatchSchema>;

export const serverStatusSchema = z.enum(['up', 'down', 'unknown']);

/** The newest snapshot of a server. Percentages 0–100, rates in bytes per second. */
export const snapshotSchema = z.object({
  timestamp: z.iso.datetime(),
  cpuUsage: z.number().nullable(),
  memoryUsage: z.number().nullable(),
  diskUsage: z.number().nullable(),
  load1: z.number().nullable(),
  load5: z.number().nullable(),
  load15: z.number().nullable(),
  memoryUsedBytes: z.number().nullable(),
  memoryTotalBytes: z.number().nullable(),
  diskUsedBytes: z.number().nullable(),
  diskTotalBytes: z.number().nullable(),
  netRxBps: z.number().nullable(),
  netTxBps: z.number().nullable(),
  uptimeSeconds: z.number().nullable(),
});

/** A server as the API returns it, with its newest snapshot (null before the first scrape). */
export const serverSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  hostname: z.string().nullable(),
  address: z.string().nullable(),
  ipAddress: z.string().nullable(),
  status: serverStatusSchema,
  labels: z.record(z.string(), z.string()),
  lastSeenAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  latest: snapshotSchema.nullable(),
});

export type Server = z.infer<typeof serverSchema>;

export const serverListSchema = z.object({ items: z.array(serverSchema), total: z.number().int() });

export const SERVER_SORTS = ['name', 'status', 'lastSeenAt', 'createdAt', 'cpuUsage', 'memoryUsage', 'diskUsage', 'load1'] as const;
export type ServerSort = (typeof SERVER_SORTS)[number];

// A query parameter given once, repeated, or comma-separated: the list of its non-empty items.
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''));

/** Query of `GET /api/servers`. */
export const serverListQuerySchema = z.object({
  search: z.string().trim().max(200).optional().describe('case-insensitive substring of name, hostname or address'),
  status: commaList.pipe(z.array(serverStatusSchema)).optional().describe('one or more of up, down, unknown; comma-separated or repeated'),
  label: commaList
    .pipe(z.array(z.string().regex(/^[^=]+=.*$/, 'label filters are name=value')))
    .optional()
    .describe('name=value; repeated or comma-separated filters must all match'),
  sort: z.enum(SERVER_SORTS).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ServerListQuery = z.infer<typeof serverListQuerySchema>;

export const serverIdParamsSchema = z.object({ id: z.uuid() });
