// The API's JSON shapes as the UI reads them (see /api/openapi.json).

export type Role = 'admin' | 'operator' | 'viewer';
export type ServerStatus = 'up' | 'down' | 'unknown';
export type Severity = 'info' | 'warning' | 'critical';

export interface Snapshot {
  timestamp: string;
  cpuUsage: number | null;
  memoryUsage: number | null;
  diskUsage: number | null;
  load1: number | null;
  load5?: number | null;
  load15?: number | null;
  memoryUsedBytes?: number | null;
  memoryTotalBytes?: number | null;
  diskUsedBytes?: number | null;
  diskTotalBytes?: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
  uptimeSeconds?: number | null;
}

export interface Server {
  id: string;
  name: string;
  hostname: string | null;
  address: string | null;
  ipAddress: string | null;
  status: ServerStatus;
  labels: Record<string, string>;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
  latest: Snapshot | null;
}

export interface SeriesPoint {
  timestamp: string;
  samples: number;
  cpuUsage: number | null;
  memoryUsage: number | null;
  diskUsage: number | null;
  load1: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
}

export interface Series {
  serverId: string;
  from: string;
  to: string;
  stepSeconds: number;
  source: 'raw' | 'rollup';
  maxPoints: number;
  fields: string[];
  points: SeriesPoint[];
}

export interface Alert {
  id: string;
  serverId: string | null;
  ruleId: string | null;
  type: string;
  severity: Severity;
  status: 'pending' | 'firing' | 'resolved';
  value: number | null;
  timestamp: string;
  firedAt: string | null;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  source: 'rule' | 'system' | 'alertmanager';
  fingerprint: string;
  silenced: boolean;
}

export type Operator = '>' | '>=' | '<' | '<=';

export interface AlertRule {
  id: string;
  name: string;
  metric: string | null;
  expr: string | null;
  operator: Operator;
  threshold: number;
  clearThreshold: number | null;
  for: string;
  severity: Severity;
  serverId: string | null;
  labelSelector: Record<string, string> | null;
  enabled: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  builtin: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlertRuleInput {
  name: string;
  metric?: string | null;
  expr?: string | null;
  operator: Operator;
  threshold: number;
  clearThreshold?: number | null;
  for?: string;
  severity: Severity;
  serverId?: string | null;
  enabled?: boolean;
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  state: 'pending' | 'active' | 'expired';
}

export interface SilenceInput {
  matchers: Matcher[];
  startsAt?: string;
  endsAt: string;
  comment?: string;
}

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type TokenScope = 'read' | 'write' | 'remote_write' | 'mqtt';

export interface ApiToken {
  id: string;
  name: string;
  userId: string;
  username: string;
  scopes: TokenScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface Me {
  id: string;
  username: string;
  role: Role;
}

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}
