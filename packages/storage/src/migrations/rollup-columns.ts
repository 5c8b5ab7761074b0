// The aggregates of `metrics_snapshots_1h`, shared by the continuous aggregate and the plain rollup
// so both paths produce the same columns.
export const ROLLUP_SELECT = `
  count(*)                 AS samples,
  avg(cpu_usage)           AS cpu_usage_avg,
  max(cpu_usage)           AS cpu_usage_max,
  avg(memory_usage)        AS memory_usage_avg,
  max(memory_usage)        AS memory_usage_max,
  avg(disk_usage)          AS disk_usage_avg,
  max(disk_usage)          AS disk_usage_max,
  avg(load1)               AS load1_avg,
  max(load1)               AS load1_max,
  avg(net_rx_bps)          AS net_rx_bps_avg,
  max(net_rx_bps)          AS net_rx_bps_max,
  avg(net_tx_bps)          AS net_tx_bps_avg,
  max(net_tx_bps)          AS net_tx_bps_max`;

export const ROLLUP_COLUMNS = [
  'samples',
  'cpu_usage_avg',
  'cpu_usage_max',
  'memory_usage_avg',
  'memory_usage_max',
  'disk_usage_avg',
  'disk_usage_max',
  'load1_avg',
  'load1_max',
  'net_rx_bps_avg',
  'net_rx_bps_max',
  'net_tx_bps_avg',
  'net_tx_bps_max',
] as const;
