import type { Logger } from '@sextant/log';
import type { Collector } from '../collector.ts';
import type { FamilySet } from '../family-set.ts';
import { family } from '../metric-family.ts';
import { createRefresher } from '../refresher.ts';

const LISTENING = family(
  'sextant_listening_socket_info',
  'gauge',
  "A listening TCP socket or bound UDP socket, value always 1, labelled by protocol, address, port and the owning process (empty when not visible to the exporter's user).",
);

export interface Listener {
  protocol: string;
  address: string;
  port: string;
  process: string;
}

export interface ListenersOptions {
  intervalMs: number;
  log: Logger;
}

/**
 * Sextant's `listeners` collector (opt-in): listening services from systeminformation's
 * networkConnections (it runs `ss`/`netstat`, ~40 ms), refreshed in the background.
 */
export function createListenersCollector(options: ListenersOptions): Collector {
  const refresher = createRefresher<Listener[]>({
    intervalMs: options.intervalMs,
    log: options.log,
    async load() {
      // Loaded lazily: systeminformation is only worth its memory when this collector is on.
      const { default: si } = await import('systeminformation');
      const seen = new Map<string, Listener>();
      for (const c of await si.networkConnections()) {
        const listening = c.state === 'LISTEN' || (c.protocol.startsWith('udp') && c.peerPort === '*');
        if (!listening) continue;
        const l = { protocol: c.protocol, address: c.localAddress, port: c.localPort, process: c.process };
        seen.set(`${l.protocol} ${l.address} ${l.port}`, l);
      }
      return [...seen.values()];
    },
  });
  return {
    name: 'listeners',
    collect(out: FamilySet) {
      for (const l of refresher.current() ?? []) out.add(LISTENING, 1, { ...l });
    },
    close: () => refresher.close(),
  };
}
