import { createTestingPinia } from '@pinia/testing';
import { setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authApi } from '../src/api/auth-api.ts';
import { createHttp } from '../src/api/http.ts';
import type { SextantApi } from '../src/api/sextant-api.ts';
import { provideApi } from '../src/api/use-api.ts';
import { mergeLiveAlert, MAX_TOASTS, useAlertsStore } from '../src/stores/alerts.ts';
import { useAuthStore } from '../src/stores/auth.ts';
import { useLiveStore } from '../src/stores/live.ts';
import { useMetricsStore } from '../src/stores/metrics.ts';
import { toInput, useRulesStore } from '../src/stores/rules.ts';
import { SPARK_POINTS, useServersStore } from '../src/stores/servers.ts';
import { SETTINGS_KEY, useSettingsStore } from '../src/stores/settings.ts';
import { useTokensStore } from '../src/stores/tokens.ts';
import { alert, fakeApi, fakeHttp, liveAlert, series, server, snapshot } from './fixtures.ts';

let api: SextantApi;

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }));
  api = fakeApi();
  provideApi(api, fakeHttp());
});

describe('servers store', () => {
  it('loads the fleet, reports failures, and filters what it shows', async () => {
    const store = useServersStore();
    vi.mocked(api.servers.list).mockRejectedValueOnce(new Error('storage unavailable'));
    await store.load();
    expect(store.error).toBe('storage unavailable');
    expect(store.loading).toBe(false);
    vi.mocked(api.servers.list).mockResolvedValueOnce({ items: [server('web-1'), server('db-1', { status: 'down' })], total: 2 });
    await store.load();
    expect(store.error).toBeNull();
    expect(store.counts).toEqual({ up: 1, down: 1, unknown: 0 });
    store.filter.search = 'db';
    expect(store.visible.map((s) => s.name)).toEqual(['db-1']);
  });

  it('applies live snapshots (newer only) and statuses, and keeps a bounded sparkline', async () => {
    const store = useServersStore();
    const web = server('web-1');
    vi.mocked(api.servers.list).mockResolvedValueOnce({ items: [web], total: 1 });
    await store.load();
    store.applySnapshot(snapshot(web.id, '2026-03-10T12:00:05.000Z', 55));
    expect(store.byId(web.id)!.latest!.cpuUsage).toBe(55);
    store.applySnapshot(snapshot(web.id, '2026-03-10T11:00:00.000Z', 1));
    expect(store.byId(web.id)!.latest!.cpuUsage).toBe(55);
    store.applyStatus({ serverId: web.id, status: 'down', since: '2026-03-10T12:00:06.000Z' });
    expect(store.byId(web.id)!.status).toBe('down');
    for (let i = 0; i < SPARK_POINTS + 5; i++) store.applySnapshot(snapshot(web.id, new Date(Date.parse('2026-03-10T13:00:00Z') + i * 1000).toISOString(), i));
    expect(store.spark[web.id]).toHaveLength(SPARK_POINTS);
    expect(store.spark[web.id]!.at(-1)).toBe(SPARK_POINTS + 4);
    store.applySnapshot(snapshot(crypto.randomUUID(), '2026-03-10T14:00:00.000Z', 1));
    expect(store.items).toHaveLength(1);
  });
});

describe('metrics store', () => {
  it('asks for the chosen range and keeps the newest answer only', async () => {
    const store = useMetricsStore();
    const id = crypto.randomUUID();
    let release: () => void = () => undefined;
    vi.mocked(api.metrics.series)
      .mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(series(id, [['2026-03-10T10:00:00Z', 1]])))))
      .mockResolvedValueOnce(series(id, [['2026-03-10T11:00:00Z', 2], ['2026-03-10T11:01:00Z', 3]]));
    const slow = store.load(id, { preset: '1h' });
    await store.load(id, { preset: '24h' });
    release();
    await slow;
    expect(store.points.map((p) => p.cpuUsage)).toEqual([2, 3]);
    const [, query] = vi.mocked(api.metrics.series).mock.calls[1]!;
    expect(Date.parse(query.to) - Date.parse(query.from)).toBe(86_400_000);
    expect(store.live).toBe(true);
  });

  it('appends live snapshots of the open server while the range ends now, sliding the window', async () => {
    const store = useMetricsStore();
    const id = crypto.randomUUID();
    const now = Date.now();
    const old = new Date(now - 2 * 3_600_000).toISOString();
    const recent = new Date(now - 60_000).toISOString();
    vi.mocked(api.metrics.series).mockResolvedValue(series(id, [[old, 1], [recent, 2]]));
    await store.load(id, { preset: 'custom', fromMs: now - 3 * 3_600_000, toMs: null });
    store.range = { preset: '1h' };
    store.appendLive(snapshot(id, new Date(now).toISOString(), 9), now);
    expect(store.points.map((p) => p.cpuUsage)).toEqual([2, 9]);
    store.appendLive(snapshot(crypto.randomUUID(), new Date(now + 1000).toISOString(), 7), now);
    store.appendLive(snapshot(id, recent, 5), now);
    expect(store.points).toHaveLength(2);
    await store.load(id, { preset: 'custom', fromMs: now - 3_600_000, toMs: now - 1000 });
    store.appendLive(snapshot(id, new Date(now + 2000).toISOString(), 8), now);
    expect(store.points.map((p) => p.cpuUsage)).toEqual([1, 2]);
  });
});

describe('alerts store', () => {
  it('toasts newly firing alerts once, bounded, and acknowledging clears the toast', async () => {
    const store = useAlertsStore();
    vi.mocked(api.alerts.list).mockResolvedValueOnce({ items: [], total: 0 });
    await store.load();
    const a = alert({ annotations: { summary: 'CPU hot on web-1' } });
    store.applyLive(liveAlert(a, 'firing'));
    store.applyLive(liveAlert(a, 'firing'));
    expect(store.toasts.map((t) => t.title)).toEqual(['CPU hot on web-1']);
    expect(store.openCount).toBe(1);
    vi.mocked(api.alerts.acknowledge).mockResolvedValueOnce({ ...a, acknowledgedBy: 'ops', acknowledgedAt: '2026-03-10T12:01:00.000Z' });
    expect(await store.acknowledge(a.id)).toBe(true);
    expect(store.toasts).toEqual([]);
    expect(store.openCount).toBe(0);
    for (let i = 0; i < MAX_TOASTS + 3; i++) store.applyLive(liveAlert(alert(), 'firing'));
    expect(store.toasts).toHaveLength(MAX_TOASTS);
  });

  it('raises a desktop notification only when turned on and permitted', () => {
    const shown: Array<{ title: string; body: string | undefined }> = [];
    class FakeNotification {
      static permission = 'granted';
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    try {
      const store = useAlertsStore();
      store.applyLive(liveAlert(alert({ annotations: { summary: 'first' } }), 'firing'));
      expect(shown).toEqual([]);
      useSettingsStore().desktopNotifications = true;
      store.applyLive(liveAlert(alert({ severity: 'critical', annotations: { summary: 'disk full' } }), 'firing'));
      expect(shown).toEqual([{ title: 'Sextant: critical', body: 'disk full' }]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('reports a refused acknowledgement and moves resolved alerts to history', async () => {
    const store = useAlertsStore();
    const a = alert();
    vi.mocked(api.alerts.list).mockResolvedValueOnce({ items: [a], total: 1 });
    await store.load();
    vi.mocked(api.alerts.acknowledge).mockRejectedValueOnce(new Error('the alert is resolved'));
    expect(await store.acknowledge(a.id)).toBe(false);
    expect(store.error).toBe('the alert is resolved');
    store.applyLive(liveAlert(a, 'resolved', { resolvedAt: '2026-03-10T12:05:00.000Z' }));
    expect(store.shown).toEqual([]);
    store.view = 'history';
    expect(store.shown.map((x) => x.id)).toEqual([a.id]);
  });

  it('merges an acknowledged event into an open alert without closing it', () => {
    const a = alert();
    const merged = mergeLiveAlert(a, liveAlert(a, 'acknowledged', { acknowledgedBy: 'ops', acknowledgedAt: '2026-03-10T12:02:00.000Z' }));
    expect(merged).toMatchObject({ status: 'firing', acknowledgedBy: 'ops', firedAt: a.firedAt, silenced: false });
    expect(mergeLiveAlert(undefined, liveAlert(a, 'firing')).firedAt).toBe(a.timestamp);
  });
});

describe('auth store', () => {
  it('keeps the access token in memory only and knows what the role may do', async () => {
    const store = useAuthStore();
    provideApi(api, { ...fakeHttp(), get: vi.fn(() => Promise.resolve({ id: 'u1', username: 'ops', role: 'operator' })) } as never);
    const login = vi.spyOn(authApi, 'login').mockResolvedValueOnce({ accessToken: 'eyJ.secret.sig', expiresIn: 900 });
    expect(await store.login('ops', 'pw')).toBe(true);
    expect(login).toHaveBeenCalledWith('ops', 'pw');
    expect(store.accessToken).toBe('eyJ.secret.sig');
    expect([store.can('viewer'), store.can('operator'), store.can('admin')]).toEqual([true, true, false]);
    const stored = [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => s.getItem(k) ?? ''));
    expect(stored.join('|')).not.toContain('eyJ.secret.sig');
    const logout = vi.spyOn(authApi, 'logout').mockResolvedValueOnce();
    await store.logout();
    expect(logout).toHaveBeenCalledOnce();
    expect(store.accessToken).toBeNull();
    expect(store.can('viewer')).toBe(false);
  });

  it('reports a failed login and refreshes one request at a time', async () => {
    const store = useAuthStore();
    vi.spyOn(authApi, 'login').mockRejectedValueOnce(new Error('wrong username or password'));
    expect(await store.login('ops', 'bad')).toBe(false);
    expect(store.error).toBe('wrong username or password');
    const refresh = vi.spyOn(authApi, 'refresh').mockResolvedValue({ accessToken: 'eyJ.new.sig', expiresIn: 900 });
    expect(await Promise.all([store.refresh(), store.refresh()])).toEqual([true, true]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(store.accessToken).toBe('eyJ.new.sig');
    refresh.mockRejectedValueOnce(new Error('expired'));
    expect(await store.refresh()).toBe(false);
    expect(store.accessToken).toBeNull();
  });
});

describe('http client', () => {
  it('sends the bearer token, refreshes once on 401 and retries', async () => {
    let token = 'old';
    const seen: string[] = [];
    const fetch = vi.fn((_url: RequestInfo | URL, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).Authorization ?? '';
      seen.push(auth);
      return Promise.resolve(auth === 'Bearer new' ? new Response('{"ok":1}', { status: 200 }) : new Response('{"code":"UNAUTHORIZED","detail":"expired"}', { status: 401 }));
    });
    const http = createHttp({ token: () => token, refresh: () => ((token = 'new'), Promise.resolve(true)), fetch });
    expect(await http.get('/api/me')).toEqual({ ok: 1 });
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
    const stale = createHttp({ token: () => 'x', refresh: () => Promise.resolve(false), fetch });
    await expect(stale.get('/api/me')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'expired' });
  });
});

describe('live store', () => {
  it('routes each message to its store', async () => {
    const servers = useServersStore();
    const web = server('web-1');
    vi.mocked(api.servers.list).mockResolvedValueOnce({ items: [web], total: 1 });
    await servers.load();
    const live = useLiveStore();
    live.handle(`sextant/v1/servers/${web.id}/snapshot`, JSON.stringify(snapshot(web.id, '2026-03-10T12:30:00.000Z', 77)));
    live.handle(`sextant/v1/servers/${web.id}/status`, JSON.stringify({ serverId: web.id, status: 'unknown', since: '2026-03-10T12:30:00.000Z' }));
    const a = alert({ serverId: web.id });
    live.handle(`sextant/v1/alerts/${web.id}/${a.id}`, JSON.stringify(liveAlert(a, 'firing')));
    live.handle('sextant/v1/servers/x/other', '{}');
    expect(servers.byId(web.id)!.latest!.cpuUsage).toBe(77);
    expect(servers.byId(web.id)!.status).toBe('unknown');
    expect(useAlertsStore().toasts).toHaveLength(1);
    expect(live.lastMessageAt).not.toBeNull();
  });
});

describe('rules, tokens and settings stores', () => {
  it('saves rules (create, then update in place) and shows API refusals', async () => {
    const store = useRulesStore();
    const rule = { id: crypto.randomUUID(), name: 'cpu', metric: 'cpu_usage', expr: null, operator: '>' as const, threshold: 90, clearThreshold: null, for: '5m', severity: 'warning' as const, serverId: null, labelSelector: null, enabled: true, labels: {}, annotations: {}, builtin: null, createdAt: '', updatedAt: '' };
    vi.mocked(api.rules.create).mockResolvedValueOnce(rule);
    expect(await store.save(toInput(rule))).toBe(true);
    vi.mocked(api.rules.update).mockResolvedValueOnce({ ...rule, enabled: false });
    expect(await store.setEnabled(rule, false)).toBe(true);
    expect(vi.mocked(api.rules.update).mock.calls[0]).toEqual([rule.id, { ...toInput(rule), enabled: false }]);
    expect(store.items.map((r) => r.enabled)).toEqual([false]);
    vi.mocked(api.rules.create).mockRejectedValueOnce(new Error('clearThreshold must be <= threshold for operator >'));
    expect(await store.save({ ...toInput(rule), clearThreshold: 95 })).toBe(false);
    expect(store.error).toContain('clearThreshold');
  });

  it('shows a new token’s secret once and never stores it', async () => {
    const store = useTokensStore();
    const listed = { id: crypto.randomUUID(), name: 'ci', userId: 'u', username: 'ops', scopes: ['read' as const], expiresAt: null, lastUsedAt: null, revokedAt: null, createdAt: '' };
    vi.mocked(api.tokens.create).mockResolvedValueOnce({ ...listed, token: 'sxt_secret' });
    expect(await store.create({ name: 'ci', scopes: ['read'] })).toBe(true);
    expect(store.secret).toBe('sxt_secret');
    expect(store.items).toEqual([listed]);
    store.forgetSecret();
    expect(store.secret).toBeNull();
    expect(JSON.stringify({ ...localStorage })).not.toContain('sxt_secret');
  });

  it('persists theme and time zone, and shows the theme on the page', async () => {
    const store = useSettingsStore();
    store.theme = 'dark';
    store.timeZone = 'UTC';
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(JSON.parse(localStorage.getItem(SETTINGS_KEY)!)).toEqual({ theme: 'dark', timeZone: 'UTC', desktopNotifications: false });
    expect(document.documentElement.dataset.theme).toBe('dark');
  });
});
