import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { hashPassword } from '@sextant/auth';
import type { Role, TokenScope } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import type { Logger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Capabilities, Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestBackend, TestDatabase } from '@sextant/testkit';
import { apiConfigSchema, signAccessToken, startApi } from '../src/index.ts';
import type { ApiApp, ApiConfig, CreateAppOptions, JwtKeys, RunningApi } from '../src/index.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** A user the harness created, with a fresh access token. */
export interface TestUser {
  id: string;
  username: string;
  password: string;
  role: Role;
  accessToken: string;
}

export interface TestRequest {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** JSON-encoded unless a string (sent as is, with the content type you give in `headers`). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Skip the OpenAPI check (only for answers outside the API, such as the UI's files). */
  unchecked?: boolean;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON for JSON media types, else the text; undefined when empty. Typed loosely so tests can read fields. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** A running API on a fresh database, with one user per role. */
export interface TestApi {
  url: string;
  app: ApiApp;
  api: RunningApi;
  storage: Storage;
  caps: Capabilities;
  keys: JwtKeys;
  config: ApiConfig;
  users: Record<Role, TestUser>;
  /**
   * Calls the API and fails the test (via `expect`) unless the answer conforms to the app's
   * OpenAPI document: documented path, method, status, media type and body schema.
   */
  request(path: string, init?: TestRequest): Promise<TestResponse>;
  /** Creates an API token (`sxt_…`) for the user of `role` with `scopes` and answers the secret. */
  apiToken(role: Role, scopes: TokenScope[]): Promise<string>;
  /** Stops the API, closes the pools and drops the database. */
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** Route modules to mount; default `ROUTE_MODULES`. */
  modules?: CreateAppOptions['modules'];
  throttle?: CreateAppOptions['throttle'];
  /** Environment for `apiConfigSchema` on top of the test defaults (port 0, a fixed JWT secret). */
  env?: Record<string, string>;
  /** Database backend; default the first plain PostgreSQL of `testBackends()`. */
  backend?: TestBackend;
  /** Logger of the app; default silent. */
  log?: Logger;
  /** Token keys; default a random HS256 secret. */
  keys?: JwtKeys;
}

/**
 * Starts the API for a test file: a fresh database (migrated), users `admin`, `operator` and
 * `viewer` with access tokens, and a `request` that checks every answer against the OpenAPI document.
 */
export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const log = options.log ?? createLogger({ level: 'silent' });
  const backend = options.backend ?? testBackends().find((b) => !b.timescaledb)!;
  const database: TestDatabase = await backend.create();
  let storage: Storage | undefined;
  try {
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const day = 86_400_000;
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention: { samplesMs: 15 * day, snapshotsMs: 30 * day, rollupsMs: 400 * day }, log });
    const config = apiConfigSchema.parse({ API_PORT: '0', API_HOST: '127.0.0.1', API_UI_DIR: '/nonexistent-sextant-ui', ...options.env });
    const secret = randomBytes(32).toString('hex');
    const keys: JwtKeys = options.keys ?? { algorithm: 'HS256', signingKey: secret, verifyingKey: secret };
    const api = await startApi({ config, storage, caps, log, keys, ...(options.modules ? { modules: options.modules } : {}), ...(options.throttle ? { throttle: options.throttle } : {}) });
    const users = {} as Record<Role, TestUser>;
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      const password = randomBytes(12).toString('base64url');
      const row = await storage.pool.query<{ id: string }>('INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id', [
        role,
        await hashPassword(password),
        role,
      ]);
      const id = row.rows[0]!.id;
      users[role] = { id, username: role, password, role, accessToken: signAccessToken(keys, { id, username: role, role }) };
    }
    const check = createOpenApiChecker(api.app.openApi);
    const opened = storage;
    const request = async (path: string, init: TestRequest = {}): Promise<TestResponse> => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        if (typeof init.body !== 'string') headers['content-type'] ??= 'application/json';
      }
      const method = init.method ?? 'GET';
      const res = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      const type = res.headers.get('content-type');
      const parsed: unknown = text === '' ? undefined : /[/+]json\b/.test(type ?? '') ? JSON.parse(text) : text;
      if (init.unchecked !== true) {
        const problems = check({ method, path: new URL(path, api.url).pathname, status: res.status, contentType: type, body: parsed });
        expect(problems, `answer of ${method} ${path} against the OpenAPI document`).toEqual([]);
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    };
    return {
      url: api.url,
      app: api.app,
      api,
      storage: opened,
      caps,
      keys,
      config,
      users,
      request,
      async apiToken(role, scopes) {
        const created = await request('/api/tokens', { method: 'POST', token: users[role].accessToken, body: { name: `test ${role} ${scopes.join(',')}`, scopes } });
        expect(created.status).toBe(201);
        return (created.body as { token: string }).token;
      },
      async close() {
        await api.close();
        await opened.close();
        await database.drop();
      },
    };
  } catch (err) {
    await storage?.close();
    await database.drop();
    throw err;
  }
}
