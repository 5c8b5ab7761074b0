import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { ApiToken, TokenScope } from '../api/types.ts';
import { track } from './track.ts';

/** The user's API tokens; a new token's secret is held only until dismissed, never stored. */
export const useTokensStore = defineStore('tokens', () => {
  const items = ref<ApiToken[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const secret = ref<string | null>(null);

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      items.value = (await useApi().tokens.list()).items;
      loaded.value = true;
    });
  }

  async function create(input: { name: string; scopes: TokenScope[]; expiresIn?: string }): Promise<boolean> {
    const made = await track(loading, error, () => useApi().tokens.create(input));
    if (made === undefined) return false;
    const { token, ...listed } = made;
    secret.value = token;
    items.value = [listed, ...items.value];
    return true;
  }

  async function revoke(id: string): Promise<boolean> {
    const done = await track(loading, error, async () => {
      await useApi().tokens.revoke(id);
      return true;
    });
    if (done === true) await load();
    return done === true;
  }

  const forgetSecret = (): void => {
    secret.value = null;
  };

  return { items, loading, loaded, error, secret, load, create, revoke, forgetSecret };
});
