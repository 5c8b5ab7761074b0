import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Theme = 'light' | 'dark' | 'system';

export interface Settings {
  theme: Theme;
  /** An IANA time zone, or '' for the browser's. */
  timeZone: string;
  desktopNotifications: boolean;
}

/** Where preferences are kept: nothing sensitive, only these three choices. */
export const SETTINGS_KEY = 'sextant.settings';
const DEFAULTS: Settings = { theme: 'system', timeZone: '', desktopNotifications: false };

export function readSettings(storage: Pick<Storage, 'getItem'> | undefined): Settings {
  try {
    const parsed = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? '{}') as Partial<Settings>;
    return {
      theme: parsed.theme === 'light' || parsed.theme === 'dark' ? parsed.theme : 'system',
      timeZone: typeof parsed.timeZone === 'string' && isTimeZone(parsed.timeZone) ? parsed.timeZone : '',
      desktopNotifications: parsed.desktopNotifications === true,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function isTimeZone(zone: string): boolean {
  if (zone === '') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The theme actually shown: `system` follows the browser's colour-scheme preference. */
export function effectiveTheme(theme: Theme, prefersDark: boolean): 'light' | 'dark' {
  return theme === 'system' ? (prefersDark ? 'dark' : 'light') : theme;
}

/** Theme, time zone and desktop notifications, kept in localStorage. */
export const useSettingsStore = defineStore('settings', () => {
  const initial = readSettings(globalThis.localStorage);
  const theme = ref<Theme>(initial.theme);
  const timeZone = ref(initial.timeZone);
  const desktopNotifications = ref(initial.desktopNotifications);
  const prefersDark = ref(globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);
  globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', (e) => (prefersDark.value = e.matches));

  const shownTheme = (): 'light' | 'dark' => effectiveTheme(theme.value, prefersDark.value);

  watch([theme, timeZone, desktopNotifications, prefersDark], () => {
    globalThis.localStorage?.setItem(SETTINGS_KEY, JSON.stringify({ theme: theme.value, timeZone: timeZone.value, desktopNotifications: desktopNotifications.value }));
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = shownTheme();
  }, { immediate: true });

  /** Asks the browser for permission first; stays off when refused. */
  async function setDesktopNotifications(on: boolean): Promise<void> {
    if (!on || typeof Notification === 'undefined') {
      desktopNotifications.value = false;
      return;
    }
    const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    desktopNotifications.value = permission === 'granted';
  }

  return { theme, timeZone, desktopNotifications, prefersDark, shownTheme, setDesktopNotifications };
});
