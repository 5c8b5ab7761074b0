import type { Alert, SeriesPoint, ServerStatus, Severity } from '../api/types.ts';

// Payloads of the MQTT contract (packages/contracts, mqtt-payloads.ts) as the UI reads them.

export interface LiveSnapshot {
  serverId: string;
  name: string;
  timestamp: string;
  cpu_usage: number | null;
  memory_usage: number | null;
  disk_usage: number | null;
  load1: number | null;
  net_rx_bps: number | null;
  net_tx_bps: number | null;
}

export interface LiveStatus {
  serverId: string;
  status: ServerStatus;
  since: string;
}

export type LiveAlert = Omit<Alert, 'status' | 'firedAt' | 'silenced'> & { status: 'firing' | 'resolved' | 'acknowledged'; severity: Severity };

export type LiveMessage = { kind: 'snapshot'; payload: LiveSnapshot } | { kind: 'status'; payload: LiveStatus } | { kind: 'alert'; payload: LiveAlert };

/** A live snapshot's readings in the REST API's spelling (camelCase), as the stores keep them. */
export function liveReadings(message: LiveSnapshot): Omit<SeriesPoint, 'samples'> {
  return {
    timestamp: message.timestamp,
    cpuUsage: message.cpu_usage,
    memoryUsage: message.memory_usage,
    diskUsage: message.disk_usage,
    load1: message.load1,
    netRxBps: message.net_rx_bps,
    netTxBps: message.net_tx_bps,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads a message by its topic (`sextant/v1/servers/{id}/snapshot|status`, `sextant/v1/alerts/{serverId}/{alertId}`); undefined for anything else or a malformed payload. */
export function parseLiveMessage(topic: string, payload: string): LiveMessage | undefined {
  const levels = topic.split('/');
  if (levels[0] !== 'sextant' || levels[1] !== 'v1') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  if (levels[2] === 'servers' && levels.length === 5) {
    if (typeof body.serverId !== 'string') return undefined;
    if (levels[4] === 'snapshot' && typeof body.timestamp === 'string') return { kind: 'snapshot', payload: body as unknown as LiveSnapshot };
    if (levels[4] === 'status' && (body.status === 'up' || body.status === 'down' || body.status === 'unknown')) return { kind: 'status', payload: body as unknown as LiveStatus };
    return undefined;
  }
  if (levels[2] === 'alerts' && levels.length === 5 && typeof body.id === 'string' && typeof body.status === 'string') {
    return { kind: 'alert', payload: body as unknown as LiveAlert };
  }
  return undefined;
}
