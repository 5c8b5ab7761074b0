import { HttpError, toHttpError } from './http.ts';
import type { Http } from './http.ts';
import type { Me, TokenPair } from './types.ts';

const post = async (path: string, body?: unknown): Promise<Response> => {
  try {
    return await fetch(path, {
      method: 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new HttpError(0, 'NETWORK', `cannot reach the server (${(err as Error).message})`);
  }
};

// The answer also carries the refresh token, for clients without cookies: the UI drops it, the
// browser keeps it as the httpOnly cookie.
const pair = async (response: Response): Promise<TokenPair> => {
  if (!response.ok) throw await toHttpError(response);
  const body = (await response.json()) as TokenPair;
  return { accessToken: body.accessToken, expiresIn: body.expiresIn };
};

/** Login, refresh (by the httpOnly cookie), logout; `me` needs a token. */
export const authApi = {
  login: async (username: string, password: string): Promise<TokenPair> => pair(await post('/api/auth/login', { username, password })),
  refresh: async (): Promise<TokenPair> => pair(await post('/api/auth/refresh')),
  logout: async (): Promise<void> => {
    await post('/api/auth/logout');
  },
  me: (http: Http): Promise<Me> => http.get<Me>('/api/me'),
};
