import type { Http, Query } from './http.ts';
import type { Alert, AlertRule, AlertRuleInput, ApiToken, Page, Role, Series, Server, Silence, SilenceInput, TokenScope, User } from './types.ts';

/** Every REST call the UI makes, grouped by domain. */
export function createSextantApi(http: Http) {
  return {
    servers: {
      list: (query: Query = {}) => http.get<Page<Server>>('/api/servers', query),
      get: (id: string) => http.get<Server>(`/api/servers/${id}`),
    },
    metrics: {
      series: (id: string, query: { from: string; to: string; maxPoints?: number }) => http.get<Series>(`/api/servers/${id}/metrics`, query),
    },
    alerts: {
      list: (query: Query = {}) => http.get<Page<Alert>>('/api/alerts', query),
      acknowledge: (id: string) => http.post<Alert>(`/api/alerts/${id}/ack`),
    },
    rules: {
      list: () => http.get<Page<AlertRule>>('/api/alert-rules'),
      create: (input: AlertRuleInput) => http.post<AlertRule>('/api/alert-rules', input),
      update: (id: string, input: Partial<AlertRuleInput>) => http.patch<AlertRule>(`/api/alert-rules/${id}`, input),
      remove: (id: string) => http.del(`/api/alert-rules/${id}`),
    },
    silences: {
      list: () => http.get<Page<Silence>>('/api/silences'),
      create: (input: SilenceInput) => http.post<Silence>('/api/silences', input),
      expire: (id: string) => http.del(`/api/silences/${id}`),
    },
    users: {
      list: () => http.get<Page<User>>('/api/users'),
      create: (input: { username: string; password: string; role: Role }) => http.post<User>('/api/users', input),
      update: (id: string, patch: { role?: Role; disabled?: boolean; password?: string }) => http.patch<User>(`/api/users/${id}`, patch),
      remove: (id: string) => http.del(`/api/users/${id}`),
    },
    tokens: {
      list: () => http.get<Page<ApiToken>>('/api/tokens'),
      create: (input: { name: string; scopes: TokenScope[]; expiresIn?: string }) => http.post<ApiToken & { token: string }>('/api/tokens', input),
      revoke: (id: string) => http.del(`/api/tokens/${id}`),
    },
  };
}

export type SextantApi = ReturnType<typeof createSextantApi>;
