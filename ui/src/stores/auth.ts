import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi } from '../api/auth-api.ts';
import { useHttp } from '../api/use-api.ts';
import type { Me, Role, TokenPair } from '../api/types.ts';
import { decodeAccessClaims } from '../lib/access-claims.ts';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Who is logged in. The access token lives here, in memory only; the refresh token is an httpOnly
 * cookie the browser sends to /api/auth, so a reload restores the login through `restore()`.
 */
export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(null);
  const user = ref<Me | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  let refreshing: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const loggedIn = computed(() => accessToken.value !== null && user.value !== null);
  const role = computed<Role | null>(() => user.value?.role ?? null);
  /** Whether the user's role is at least `needed`. */
  const can = (needed: Role): boolean => role.value !== null && RANK[role.value] >= RANK[needed];

  function accept(pair: TokenPair): void {
    accessToken.value = pair.accessToken;
    clearTimeout(timer);
    // Renew at 80 % of the lifetime so requests and the MQTT login never carry an expired token.
    timer = setTimeout(() => void refresh(), Math.max(5, pair.expiresIn * 0.8) * 1000);
  }

  // The token names the user; /api/me only when it cannot be read.
  const whoAmI = async (): Promise<Me> => decodeAccessClaims(accessToken.value ?? '') ?? (await authApi.me(useHttp()));

  function forget(): void {
    clearTimeout(timer);
    accessToken.value = null;
    user.value = null;
  }

  async function login(username: string, password: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      accept(await authApi.login(username, password));
      user.value = await whoAmI();
      return true;
    } catch (err) {
      forget();
      error.value = (err as Error).message;
      return false;
    } finally {
      busy.value = false;
    }
  }

  /** A new access token through the refresh cookie; one request at a time. */
  function refresh(): Promise<boolean> {
    refreshing ??= authApi
      .refresh()
      .then((pair) => {
        accept(pair);
        return true;
      })
      .catch(() => {
        forget();
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  /** After a reload: resumes the login the cookie holds, if any. */
  async function restore(): Promise<boolean> {
    if (!(await refresh())) return false;
    try {
      user.value = await whoAmI();
      return true;
    } catch {
      forget();
      return false;
    }
  }

  async function logout(): Promise<void> {
    forget();
    await authApi.logout().catch(() => undefined);
  }

  return { accessToken, user, error, busy, loggedIn, role, can, login, refresh, restore, logout };
});
