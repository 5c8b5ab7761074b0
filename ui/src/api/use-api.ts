import type { Http } from './http.ts';
import type { SextantApi } from './sextant-api.ts';

let current: { api: SextantApi; http: Http } | undefined;

/** Makes `api` the one the stores use (main.ts at start; tests with a fake). */
export function provideApi(api: SextantApi, http: Http): void {
  current = { api, http };
}

export function useApi(): SextantApi {
  if (current === undefined) throw new Error('provideApi() was not called');
  return current.api;
}

export function useHttp(): Http {
  if (current === undefined) throw new Error('provideApi() was not called');
  return current.http;
}
