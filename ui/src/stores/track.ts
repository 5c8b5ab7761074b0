import type { Ref } from 'vue';

/** Runs `work` with `loading` set and `error` holding its failure's message (cleared on success). */
export async function track<T>(loading: Ref<boolean>, error: Ref<string | null>, work: () => Promise<T>): Promise<T | undefined> {
  loading.value = true;
  try {
    const result = await work();
    error.value = null;
    return result;
  } catch (err) {
    error.value = (err as Error).message;
    return undefined;
  } finally {
    loading.value = false;
  }
}
