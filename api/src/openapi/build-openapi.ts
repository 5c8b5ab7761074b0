import { z } from 'zod';
import { requiredScope } from '../auth/authenticate.ts';
import { PROBLEM_CONTENT_TYPE, problemSchema } from '../http/problem.ts';
import type { RouteSpec } from '../route.ts';

type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.1 document (only the parts Sextant writes are typed). */
export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
  [key: string]: unknown;
}

/** `/api/servers/:id` → `/api/servers/{id}`. */
export function openApiPath(path: string): string {
  return path.replaceAll(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Problems every operation that can meet them documents without saying so. */
const PROBLEM_TEXT: Readonly<Record<number, string>> = {
  400: 'invalid input',
  401: 'not authenticated',
  403: 'not allowed for this role or token scope',
  404: 'not found',
  413: 'body too large',
  415: 'unsupported body media type',
  500: 'internal error',
  503: 'the database is unavailable; retry after Retry-After seconds',
};

/**
 * The OpenAPI 3.1 document of `routes`, generated from the same zod schemas the router validates
 * with (inputs as accepted, responses as produced). Schemas given `.meta({id})` become shared
 * components.
 */
export function buildOpenApi(routes: readonly RouteSpec[], info: OpenApiDocument['info']): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    for (const [id, def] of Object.entries(defs)) components[id] ??= rewriteRefs(def);
    return rewriteRefs(json);
  };
  const problemRef = convert(problemSchema, 'output');

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const parameters: JsonSchema[] = [];
    for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
      if (schema === undefined) continue;
      const json = convert(schema, 'input');
      const required = new Set((json.required as string[] | undefined) ?? []);
      for (const [name, property] of Object.entries((json.properties as Record<string, JsonSchema> | undefined) ?? {})) {
        const { description, ...rest } = property;
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(typeof description === 'string' ? { description } : {}) });
      }
    }
    for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
      if (!parameters.some((p) => p.in === 'path' && p.name === name)) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }

    const statuses = new Map<number, JsonSchema>();
    for (const [status, response] of Object.entries(route.responses)) {
      const code = Number(status);
      const type = response.contentType ?? (code >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json');
      const schema = response.schema !== undefined ? convert(response.schema, 'output') : code >= 400 ? problemRef : undefined;
      const content = schema !== undefined ? { [type]: { schema } } : response.contentType !== undefined ? { [type]: {} } : undefined;
      statuses.set(code, { description: response.description, ...(content === undefined ? {} : { content }) });
    }
    const automatic = [500, 503];
    if (route.params !== undefined || route.query !== undefined || route.body !== undefined) automatic.push(400);
    if (!('public' in route.auth)) automatic.push(401, 403);
    if (route.path.includes(':')) automatic.push(404);
    if (route.body !== undefined) automatic.push(413, 415);
    for (const code of automatic) {
      if (!statuses.has(code)) statuses.set(code, { description: PROBLEM_TEXT[code]!, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } } });
    }

    const isPublic = 'public' in route.auth;
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      security: isPublic ? [] : 'loginOnly' in route.auth && route.auth.loginOnly === true ? [{ bearerJwt: [] }] : [{ bearerJwt: [] }, { apiToken: [requiredScope(route)] }],
      ...('role' in route.auth ? { 'x-sextant-role': route.auth.role } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body !== undefined
        ? { requestBody: { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema: convert(route.body, 'input') } } } }
        : {}),
      responses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b).map(([code, r]) => [String(code), r])),
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }

  return {
    openapi: '3.1.1',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'access token from POST /api/auth/login (15 minutes)' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'API token (sxt_…) from POST /api/tokens; its scopes are listed per operation' },
      },
    },
  };
}

function rewriteRefs(value: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}
