import type { Collector, HostPaths } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { tryReadProcFile } from '../proc-file.ts';

const UDP_QUEUES = family('node_udp_queues', 'gauge', 'Number of allocated memory in the kernel for UDP datagrams in bytes.');

/** Sums the tx_queue:rx_queue column (hex) over the sockets of /proc/net/udp or udp6. */
export function parseUdpQueues(text: string): { tx: number; rx: number } {
  let tx = 0;
  let rx = 0;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [t, r] = f[4]!.split(':');
    if (t === undefined || r === undefined || !/^[0-9a-fA-F]+$/.test(t) || !/^[0-9a-fA-F]+$/.test(r)) {
      throw new Error(`invalid tx_queue:rx_queue ${f[4]}`);
    }
    tx += parseInt(t, 16);
    rx += parseInt(r, 16);
  }
  return { tx, rx };
}

/** node_exporter's `udp_queues` collector: node_udp_queues{ip="v4"|"v6",queue="tx"|"rx"}; a missing file is skipped. */
export function createUdpQueuesCollector(paths: HostPaths): Collector {
  return {
    name: 'udp_queues',
    collect(out: FamilySet) {
      let found = false;
      for (const [ip, file] of [['v4', 'udp'], ['v6', 'udp6']] as const) {
        const text = tryReadProcFile(`${paths.procfs}/net/${file}`);
        if (text === undefined) continue;
        found = true;
        const q = parseUdpQueues(text);
        out.add(UDP_QUEUES, q.tx, { ip, queue: 'tx' });
        out.add(UDP_QUEUES, q.rx, { ip, queue: 'rx' });
      }
      if (!found) throw new Error('neither /proc/net/udp nor udp6 is readable');
    },
  };
}
