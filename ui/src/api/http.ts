/** An error answer of the API (RFC 9457 problem) or a network failure (`status` 0). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface Http {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
}

export interface HttpOptions {
  /** The current access token, held in memory only. */
  token: () => string | null;
  /** Gets a new access token (through the httpOnly refresh cookie); false when the login is over. */
  refresh: () => Promise<boolean>;
  fetch?: typeof fetch;
  baseUrl?: string;
}

/** `path?query` with repeated keys for arrays; undefined and empty values left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Reads an error answer into an `HttpError`. */
export async function toHttpError(response: Response): Promise<HttpError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `request failed (${response.status})`;
  try {
    const body = (await response.json()) as { code?: string; detail?: string; title?: string };
    code = body.code ?? code;
    message = body.detail ?? body.title ?? message;
  } catch {
    // Not JSON: keep the status line.
  }
  return new HttpError(response.status, code, message);
}

/**
 * JSON over fetch with the in-memory bearer token. A 401 triggers one refresh and one retry; the
 * refresh token itself never passes through page scripts (it is an httpOnly cookie).
 */
export function createHttp(options: HttpOptions): Http {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.baseUrl ?? '';

  const send = async (method: string, path: string, body: unknown, retried: boolean): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = options.token();
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch (err) {
      throw new HttpError(0, 'NETWORK', `cannot reach the server (${(err as Error).message})`);
    }
    if (response.status === 401 && !retried && (await options.refresh())) return send(method, path, body, true);
    if (!response.ok) throw await toHttpError(response);
    return response;
  };
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await send(method, path, body, false);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };

  return {
    get: (path, query) => json('GET', withQuery(path, query)),
    post: (path, body) => json('POST', path, body),
    put: (path, body) => json('PUT', path, body),
    patch: (path, body) => json('PATCH', path, body),
    del: async (path) => {
      await send('DELETE', path, undefined, false);
    },
  };
}
