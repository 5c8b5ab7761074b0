import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { Server, ServerStatus } from '../api/types.ts';
import { filterServers, NO_FILTER } from '../lib/filter-servers.ts';
import type { ServerFilter } from '../lib/filter-servers.ts';
import { liveReadings } from '../lib/live-messages.ts';
import type { LiveSnapshot, LiveStatus } from '../lib/live-messages.ts';
import { track } from './track.ts';

/** Most CPU readings a fleet sparkline keeps. */
export const SPARK_POINTS = 30;

/** The fleet: every server with its newest snapshot, filtered and sorted for the overview, kept live. */
export const useServersStore = defineStore('servers', () => {
  const items = ref<Server[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const filter = ref<ServerFilter>({ ...NO_FILTER });
  /** Recent CPU readings per server, oldest first, for sparklines. */
  const spark = ref<Record<string, number[]>>({});

  const visible = computed(() => filterServers(items.value, filter.value));
  const byId = (id: string): Server | undefined => items.value.find((s) => s.id === id);
  const counts = computed(() => {
    const c: Record<ServerStatus, number> = { up: 0, down: 0, unknown: 0 };
    for (const s of items.value) c[s.status]++;
    return c;
  });

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      items.value = (await useApi().servers.list({ limit: 1000 })).items;
      loaded.value = true;
    });
  }

  /** Seeds each sparkline with the last hour's CPU (up to `limit` servers). */
  async function loadSparklines(limit = 50): Promise<void> {
    const api = useApi();
    await Promise.all(
      items.value.slice(0, limit).map(async (s) => {
        try {
          const series = await api.metrics.series(s.id, { from: 'now-1h', to: 'now', maxPoints: SPARK_POINTS });
          const values = series.points.map((p) => p.cpuUsage).filter((v): v is number => v !== null);
          spark.value[s.id] = [...values, ...(spark.value[s.id] ?? [])].slice(-SPARK_POINTS);
        } catch {
          // A sparkline is decoration: the row still shows the current values.
        }
      }),
    );
  }

  function applySnapshot(message: LiveSnapshot): void {
    const server = byId(message.serverId);
    if (server === undefined) return;
    if (server.latest !== null && server.latest.timestamp >= message.timestamp) return;
    server.latest = { ...(server.latest ?? {}), ...liveReadings(message) };
    server.lastSeenAt = message.timestamp;
    if (message.cpu_usage !== null) spark.value[server.id] = [...(spark.value[server.id] ?? []), message.cpu_usage].slice(-SPARK_POINTS);
  }

  function applyStatus(message: LiveStatus): void {
    const server = byId(message.serverId);
    if (server !== undefined) server.status = message.status;
  }

  return { items, loading, loaded, error, filter, spark, visible, counts, byId, load, loadSparklines, applySnapshot, applyStatus };
});
