import type { AlertRule } from '../alert-rules/alert-rule-schema.ts';

/**
 * The node_exporter PromQL that computes each snapshot metric the way the ingester derives it
 * (percentages 0–100, bytes, bits per second), by `instance`.
 */
const METRIC_PROMQL: Readonly<Record<string, string>> = {
  cpu_usage: '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
  memory_usage: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
  disk_usage: '100 * (1 - node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"})',
  load1: 'node_load1',
  load5: 'node_load5',
  load15: 'node_load15',
  memory_used_bytes: 'node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes',
  memory_total_bytes: 'node_memory_MemTotal_bytes',
  disk_used_bytes: 'node_filesystem_size_bytes{mountpoint="/"} - node_filesystem_avail_bytes{mountpoint="/"}',
  disk_total_bytes: 'node_filesystem_size_bytes{mountpoint="/"}',
  net_rx_bps: '8 * sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[5m]))',
  net_tx_bps: '8 * sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))',
  uptime_seconds: 'node_time_seconds - node_boot_time_seconds',
  seconds_since_last_scrape: 'time() - timestamp(up == 1)',
};

const quote = (v: string): string => JSON.stringify(v);

/** A rule's condition as one PromQL expression (its threshold applied), for Prometheus rule files and `/api/v1/rules`. */
export function rulePromql(rule: Pick<AlertRule, 'metric' | 'expr' | 'operator' | 'threshold' | 'builtin' | 'labelSelector'>): string {
  const selector = Object.entries(rule.labelSelector ?? {}).map(([k, v]) => `${k}=${quote(v)}`).join(', ');
  if (rule.builtin === 'server_down') return selector === '' ? 'up == 0' : `up{${selector}} == 0`;
  let base = rule.expr ?? METRIC_PROMQL[rule.metric ?? ''] ?? 'vector(0)';
  if (selector !== '') base = `(${base}) and on (instance) up{${selector}}`;
  return `(${base}) ${rule.operator} ${rule.threshold}`;
}
