import { describe, expect, it } from 'vitest';
import { withQuery } from '../src/api/http.ts';
import { filterServers, NO_FILTER } from '../src/lib/filter-servers.ts';
import { parseLiveMessage } from '../src/lib/live-messages.ts';
import { sparklinePath } from '../src/lib/sparkline-path.ts';
import { customRange, isLive, resolveRange } from '../src/lib/time-range.ts';
import { server } from './fixtures.ts';
import { effectiveTheme, readSettings, SETTINGS_KEY } from '../src/stores/settings.ts';

describe('fleet filter', () => {
  const fleet = [
    server('web-2', { labels: { env: 'prod', role: 'web' } }, 70),
    server('db-1', { status: 'down', labels: { env: 'prod' } }, null),
    server('web-1', { labels: { env: 'staging', role: 'web' } }, 20),
  ];
  const names = (f: Partial<typeof NO_FILTER>) => filterServers(fleet, { ...NO_FILTER, ...f }).map((s) => s.name);

  it('searches names and hosts, filters labels (name=value or presence) and status', () => {
    expect(names({})).toEqual(['db-1', 'web-1', 'web-2']);
    expect(names({ search: 'WEB' })).toEqual(['web-1', 'web-2']);
    expect(names({ search: 'db-1.example' })).toEqual(['db-1']);
    expect(names({ labels: 'env=prod' })).toEqual(['db-1', 'web-2']);
    expect(names({ labels: 'env=prod, role' })).toEqual(['web-2']);
    expect(names({ status: 'down' })).toEqual(['db-1']);
    expect(names({ search: 'nothing' })).toEqual([]);
  });

  it('sorts by a reading either way, servers without one last', () => {
    expect(names({ sort: 'cpuUsage', order: 'desc' })).toEqual(['web-2', 'web-1', 'db-1']);
    expect(names({ sort: 'cpuUsage', order: 'asc' })).toEqual(['db-1', 'web-1', 'web-2']);
    expect(names({ sort: 'status' })).toEqual(['db-1', 'web-1', 'web-2']);
  });
});

describe('time ranges', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it('resolves presets to now and custom bounds as given', () => {
    expect(resolveRange({ preset: '6h' }, now)).toEqual({ fromMs: now - 6 * 3_600_000, toMs: now });
    expect(resolveRange({ preset: '30d' }, now).fromMs).toBe(now - 30 * 86_400_000);
    expect(resolveRange({ preset: 'custom', fromMs: 1, toMs: 2 }, now)).toEqual({ fromMs: 1, toMs: 2 });
    expect(resolveRange({ preset: 'custom', fromMs: 1, toMs: null }, now)).toEqual({ fromMs: 1, toMs: now });
  });
  it('is live only while the range ends now', () => {
    expect(isLive({ preset: '1h' })).toBe(true);
    expect(isLive({ preset: 'custom', fromMs: 1, toMs: null })).toBe(true);
    expect(isLive({ preset: 'custom', fromMs: 1, toMs: 2 })).toBe(false);
  });
  it('parses custom input and explains bad input', () => {
    expect(customRange('2026-03-10T10:00', '2026-03-10T11:00')).toMatchObject({ preset: 'custom', toMs: Date.parse('2026-03-10T11:00') });
    expect(customRange('2026-03-10T10:00', '')).toMatchObject({ toMs: null });
    expect(customRange('', '')).toBe('Enter a start time.');
    expect(customRange('2026-03-10T11:00', '2026-03-10T10:00')).toBe('The start must be before the end.');
  });
});

describe('small pure helpers', () => {
  it('draws sparklines on a 0–100 scale widened by the values', () => {
    expect(sparklinePath([5], 100, 20)).toBe('');
    expect(sparklinePath([0, 100], 100, 20)).toBe('M0.0,20.0 L100.0,0.0');
    expect(sparklinePath([0, 50, 200], 100, 20)).toBe('M0.0,20.0 L50.0,15.0 L100.0,0.0');
  });

  it('builds query strings with repeated keys and without empty values', () => {
    expect(withQuery('/api/alerts', { status: ['firing', 'pending'], severity: undefined, limit: 5, search: '' })).toBe('/api/alerts?status=firing&status=pending&limit=5');
    expect(withQuery('/api/servers')).toBe('/api/servers');
  });

  it('reads live messages by topic and refuses malformed ones', () => {
    const id = '0b7c6f1e-4c1a-4f57-9a43-2f0f3c1d2e11';
    expect(parseLiveMessage(`sextant/v1/servers/${id}/status`, JSON.stringify({ serverId: id, status: 'down', since: 'x' }))?.kind).toBe('status');
    expect(parseLiveMessage(`sextant/v1/servers/${id}/snapshot`, JSON.stringify({ serverId: id, timestamp: 't' }))?.kind).toBe('snapshot');
    expect(parseLiveMessage(`sextant/v1/alerts/${id}/a`, JSON.stringify({ id: 'a', status: 'firing' }))?.kind).toBe('alert');
    expect(parseLiveMessage(`sextant/v1/servers/${id}/status`, JSON.stringify({ serverId: id, status: 'sideways' }))).toBeUndefined();
    expect(parseLiveMessage(`sextant/v1/servers/${id}/snapshot`, '{not json')).toBeUndefined();
    expect(parseLiveMessage('other/v1/servers/x/snapshot', '{}')).toBeUndefined();
  });

  it('reads settings defensively and resolves the system theme', () => {
    const storage = (text: string | null) => ({ getItem: (k: string) => (k === SETTINGS_KEY ? text : null) });
    expect(readSettings(storage(null))).toEqual({ theme: 'system', timeZone: '', desktopNotifications: false });
    expect(readSettings(storage('{"theme":"dark","timeZone":"Europe/Berlin","desktopNotifications":true}'))).toEqual({ theme: 'dark', timeZone: 'Europe/Berlin', desktopNotifications: true });
    expect(readSettings(storage('{"theme":"pink","timeZone":"Mars/Olympus"}'))).toEqual({ theme: 'system', timeZone: '', desktopNotifications: false });
    expect(readSettings(storage('not json')).theme).toBe('system');
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('light', true)).toBe('light');
  });
});

describe('access token claims', () => {
  const b64url = (o: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  it('reads who a JWT names, and nothing from what is not one', async () => {
    const { decodeAccessClaims } = await import('../src/lib/access-claims.ts');
    const token = `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'u-1', name: 'zoë', role: 'operator', exp: 1 })}.sig`;
    expect(decodeAccessClaims(token)).toEqual({ id: 'u-1', username: 'zoë', role: 'operator' });
    expect(decodeAccessClaims(`x.${b64url({ sub: 'u-1', name: 'a', role: 'root' })}.s`)).toBeUndefined();
    expect(decodeAccessClaims('not-a-jwt')).toBeUndefined();
    expect(decodeAccessClaims('a.!!!.c')).toBeUndefined();
  });
});

describe('PWA shell', () => {
  it('caches the page and its assets, never the API or live data', async () => {
    const { isShellPath, shellUrls } = await import('../src/lib/pwa.ts');
    expect(['/api/servers', '/api', '/mqtt', '/api/icon.svg'].filter(isShellPath)).toEqual([]);
    expect(shellUrls(['http://h/assets/a-1.js', 'http://h/api/servers?x=1', 'http://other/assets/b.js', 'http://h/mqtt', 'http://h/icon.svg'], 'http://h')).toEqual([
      '/', '/manifest.webmanifest', '/icon.svg', '/assets/a-1.js',
    ]);
  });
});
