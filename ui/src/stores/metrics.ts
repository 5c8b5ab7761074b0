import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { SeriesPoint } from '../api/types.ts';
import { liveReadings } from '../lib/live-messages.ts';
import type { LiveSnapshot } from '../lib/live-messages.ts';
import { isLive, resolveRange } from '../lib/time-range.ts';
import type { TimeRange } from '../lib/time-range.ts';
import { track } from './track.ts';

/** Points asked for per chart: about one per pixel column of a wide chart. */
export const CHART_POINTS = 600;

/** The series of the server open in the detail view, for the chosen range; extended live while the range ends now. */
export const useMetricsStore = defineStore('metrics', () => {
  const serverId = ref<string | null>(null);
  const range = ref<TimeRange>({ preset: '1h' });
  const points = ref<SeriesPoint[]>([]);
  const stepSeconds = ref(0);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const bounds = ref({ fromMs: 0, toMs: 0 });
  const live = computed(() => isLive(range.value));
  let generation = 0;

  async function load(id: string = serverId.value ?? '', next: TimeRange = range.value): Promise<void> {
    if (id === '') return;
    const mine = ++generation;
    if (id !== serverId.value) points.value = [];
    serverId.value = id;
    range.value = next;
    const b = resolveRange(next, Date.now());
    await track(loading, error, async () => {
      const series = await useApi().metrics.series(id, { from: new Date(b.fromMs).toISOString(), to: new Date(b.toMs).toISOString(), maxPoints: CHART_POINTS });
      // A slower answer to an older request must not overwrite a newer one.
      if (mine !== generation) return;
      bounds.value = b;
      points.value = series.points;
      stepSeconds.value = series.stepSeconds;
    });
  }

  /** Adds a live snapshot of the open server while the range ends now; the window slides. */
  function appendLive(message: LiveSnapshot, now = Date.now()): void {
    if (!live.value || message.serverId !== serverId.value) return;
    const last = points.value.at(-1);
    if (last !== undefined && last.timestamp >= message.timestamp) return;
    const b = resolveRange(range.value, now);
    bounds.value = b;
    const fromIso = new Date(b.fromMs).toISOString();
    points.value = [
      ...points.value.filter((p) => p.timestamp >= fromIso),
      { ...liveReadings(message), samples: 1 },
    ];
  }

  return { serverId, range, points, stepSeconds, loading, error, bounds, live, load, appendLive };
});
