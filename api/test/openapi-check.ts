import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenApiDocument } from '../src/index.ts';

/** One HTTP answer to check against the document. */
export interface CheckedResponse {
  method: string;
  /** The concrete path requested, without the query string, e.g. `/api/users/6f1…`. */
  path: string;
  status: number;
  contentType: string | null;
  /** The parsed JSON body, the text, or undefined when there was none. */
  body: unknown;
}

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };

// ajv-formats is CommonJS with a default export; under nodenext its namespace arrives here.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/**
 * Checks answers against an OpenAPI 3.1 document: the path and method must be documented (except a
 * 404/405 problem for an unknown path), the status must be listed, the media type must be one the
 * status documents, and a JSON body must validate against its schema. Returns the problems found
 * (empty when the answer conforms).
 */
export function createOpenApiChecker(doc: OpenApiDocument): (response: CheckedResponse) => string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const templates = Object.keys(doc.paths)
    .map((template) => ({ template, regex: new RegExp(`^${template.replaceAll(/[.*+?^$()|[\]\\]/g, '\\$&').replaceAll(/\{[^}]+\}/g, '[^/]+')}$`), holes: (template.match(/\{/g) ?? []).length }))
    .sort((a, b) => a.holes - b.holes);
  const compiled = new Map<string, ValidateFunction>();
  const problemSchema = { $ref: '#/components/schemas/Problem', components: doc.components };

  const validate = (key: string, schema: object, body: unknown): string[] => {
    let fn = compiled.get(key);
    if (fn === undefined) {
      fn = ajv.compile({ ...schema, components: doc.components });
      compiled.set(key, fn);
    }
    if (fn(body)) return [];
    return (fn.errors ?? []).map((e) => `${key}: body${e.instancePath} ${e.message ?? 'is invalid'}`);
  };

  return (response) => {
    const method = response.method.toLowerCase() === 'head' ? 'get' : response.method.toLowerCase();
    const where = `${response.method} ${response.path} → ${response.status}`;
    const mediaType = (response.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const match = templates.find((t) => t.regex.test(response.path) && doc.paths[t.template]![method] !== undefined);
    if (match === undefined) {
      if ((response.status === 404 || response.status === 405) && mediaType === 'application/problem+json') return validate('Problem', problemSchema, response.body);
      return [`${where}: no operation documents ${method.toUpperCase()} ${response.path}`];
    }
    const operation = doc.paths[match.template]![method] as Operation;
    const documented = operation.responses?.[String(response.status)] ?? operation.responses?.default;
    if (documented === undefined) return [`${where}: status ${response.status} is not documented for ${method.toUpperCase()} ${match.template}`];
    const content = documented.content;
    if (content === undefined) {
      return response.body === undefined || response.body === '' ? [] : [`${where}: documented without a body, but one was sent`];
    }
    const entry = Object.entries(content).find(([type]) => type.toLowerCase() === mediaType);
    if (entry === undefined) return [`${where}: media type "${mediaType}" is not one of ${Object.keys(content).join(', ')}`];
    const schema = entry[1].schema;
    if (schema === undefined || response.method.toLowerCase() === 'head') return [];
    return validate(`${method} ${match.template} ${response.status} ${mediaType}`, schema, response.body);
  };
}
