import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { Role, User } from '../api/types.ts';
import { track } from './track.ts';

/** User accounts (admins only). */
export const useUsersStore = defineStore('users', () => {
  const items = ref<User[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      items.value = (await useApi().users.list()).items;
      loaded.value = true;
    });
  }

  const replace = (user: User): void => {
    const at = items.value.findIndex((u) => u.id === user.id);
    if (at < 0) items.value = [...items.value, user];
    else items.value.splice(at, 1, user);
  };

  async function create(input: { username: string; password: string; role: Role }): Promise<boolean> {
    const user = await track(loading, error, () => useApi().users.create(input));
    if (user !== undefined) replace(user);
    return user !== undefined;
  }

  async function update(id: string, patch: { role?: Role; disabled?: boolean }): Promise<boolean> {
    const user = await track(loading, error, () => useApi().users.update(id, patch));
    if (user !== undefined) replace(user);
    return user !== undefined;
  }

  async function remove(id: string): Promise<boolean> {
    const done = await track(loading, error, async () => {
      await useApi().users.remove(id);
      return true;
    });
    if (done === true) items.value = items.value.filter((u) => u.id !== id);
    return done === true;
  }

  return { items, loading, loaded, error, load, create, update, remove };
});
