import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { Silence, SilenceInput } from '../api/types.ts';
import { track } from './track.ts';

/** Silences: viewers read them, operators add and expire them. */
export const useSilencesStore = defineStore('silences', () => {
  const items = ref<Silence[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const current = computed(() => items.value.filter((s) => s.state !== 'expired'));

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      items.value = (await useApi().silences.list()).items;
      loaded.value = true;
    });
  }

  async function create(input: SilenceInput): Promise<boolean> {
    const made = await track(loading, error, () => useApi().silences.create(input));
    if (made !== undefined) items.value = [made, ...items.value];
    return made !== undefined;
  }

  async function expire(id: string): Promise<boolean> {
    const done = await track(loading, error, async () => {
      await useApi().silences.expire(id);
      return true;
    });
    if (done === true) await load();
    return done === true;
  }

  return { items, current, loading, loaded, error, load, create, expire };
});
