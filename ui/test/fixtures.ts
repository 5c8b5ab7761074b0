import { vi } from 'vitest';
import type { Http } from '../src/api/http.ts';
import type { SextantApi } from '../src/api/sextant-api.ts';
import type { Alert, Series, Server } from '../src/api/types.ts';
import type { LiveAlert, LiveSnapshot } from '../src/lib/live-messages.ts';

export const server = (name: string, over: Partial<Server> = {}, cpu: number | null = 10): Server => ({
  id: crypto.randomUUID(),
  name, hostname: `${name}.example`, address: `${name}:9464`, ipAddress: null, status: 'up', labels: {},
  lastSeenAt: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
  latest: { timestamp: '2026-03-10T12:00:00.000Z', cpuUsage: cpu, memoryUsage: 50, diskUsage: 60, load1: 1, netRxBps: 0, netTxBps: 0 },
  ...over,
});

export const snapshot = (serverId: string, timestamp: string, cpu: number): LiveSnapshot => ({
  serverId, name: 'x', timestamp, cpu_usage: cpu, memory_usage: 30, disk_usage: 40, load1: 0.2, net_rx_bps: 10, net_tx_bps: 20,
});

export const alert = (over: Partial<Alert> = {}): Alert => ({
  id: crypto.randomUUID(), serverId: null, ruleId: null, type: 'HighCpu', severity: 'warning', status: 'firing', value: 95,
  timestamp: '2026-03-10T12:00:00.000Z', firedAt: '2026-03-10T12:00:00.000Z', resolvedAt: null, acknowledgedBy: null, acknowledgedAt: null,
  labels: { alertname: 'HighCpu' }, annotations: {}, source: 'rule', fingerprint: 'f', silenced: false, ...over,
});

export const liveAlert = (base: Alert, status: LiveAlert['status'], over: Partial<LiveAlert> = {}): LiveAlert => {
  const { firedAt: _f, silenced: _s, status: _st, ...rest } = base;
  return { ...rest, status, ...over };
};

export const series = (serverId: string, points: Array<[string, number]>): Series => ({
  serverId, from: '', to: '', stepSeconds: 60, source: 'raw', maxPoints: 600, fields: [],
  points: points.map(([timestamp, cpu]) => ({ timestamp, samples: 1, cpuUsage: cpu, memoryUsage: 1, diskUsage: 1, load1: 1, netRxBps: 1, netTxBps: 1 })),
});

/** An API whose every call is a spy answering nothing; tests give the ones they need an answer. */
export function fakeApi(): SextantApi {
  const spy = () => vi.fn(() => Promise.reject(new Error('not answered in this test')));
  return {
    servers: { list: spy(), get: spy() },
    metrics: { series: spy() },
    alerts: { list: spy(), acknowledge: spy() },
    rules: { list: spy(), create: spy(), update: spy(), remove: spy() },
    silences: { list: spy(), create: spy(), expire: spy() },
    users: { list: spy(), create: spy(), update: spy(), remove: spy() },
    tokens: { list: spy(), create: spy(), revoke: spy() },
  };
}

export const fakeHttp = (): Http => ({ get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), del: vi.fn() });
