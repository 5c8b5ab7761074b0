import type { Server, ServerStatus } from '../api/types.ts';

export type ServerSortKey = 'name' | 'status' | 'cpuUsage' | 'memoryUsage' | 'diskUsage';

export interface ServerFilter {
  /** Case-insensitive substring of name, hostname or address. */
  search: string;
  /** `name=value` or `name` (label present) terms, all of which must match; separated by spaces or commas. */
  labels: string;
  status: ServerStatus | '';
  sort: ServerSortKey;
  order: 'asc' | 'desc';
}

export const NO_FILTER: ServerFilter = { search: '', labels: '', status: '', sort: 'name', order: 'asc' };

const STATUS_RANK: Record<ServerStatus, number> = { down: 0, unknown: 1, up: 2 };

function labelTerms(text: string): Array<[string, string | undefined]> {
  return text
    .split(/[\s,]+/)
    .filter((t) => t !== '')
    .map((t) => {
      const eq = t.indexOf('=');
      return eq < 0 ? [t, undefined] : [t.slice(0, eq), t.slice(eq + 1)];
    });
}

function sortValue(server: Server, key: ServerSortKey): string | number {
  if (key === 'name') return server.name.toLowerCase();
  if (key === 'status') return STATUS_RANK[server.status];
  // Servers without a reading sort after those with one, whichever the order.
  return server.latest?.[key] ?? Number.NEGATIVE_INFINITY;
}

/** The servers that match `filter`, sorted (ties by name). A pure function: the fleet view's list. */
export function filterServers(servers: readonly Server[], filter: ServerFilter): Server[] {
  const needle = filter.search.trim().toLowerCase();
  const terms = labelTerms(filter.labels);
  const matching = servers.filter((s) => {
    if (filter.status !== '' && s.status !== filter.status) return false;
    if (needle !== '' && ![s.name, s.hostname ?? '', s.address ?? ''].some((v) => v.toLowerCase().includes(needle))) return false;
    return terms.every(([name, value]) => (value === undefined ? name in s.labels : s.labels[name] === value));
  });
  const sign = filter.order === 'asc' ? 1 : -1;
  return matching.sort((a, b) => {
    const x = sortValue(a, filter.sort);
    const y = sortValue(b, filter.sort);
    if (x !== y) return (x < y ? -1 : 1) * sign;
    return a.name.localeCompare(b.name);
  });
}
