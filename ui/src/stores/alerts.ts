import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { Alert, Severity } from '../api/types.ts';
import type { LiveAlert } from '../lib/live-messages.ts';
import { useSettingsStore } from './settings.ts';
import { track } from './track.ts';

export interface Toast {
  id: number;
  alertId: string;
  title: string;
  severity: Severity;
}

/** Most toasts shown at once; older ones go first. */
export const MAX_TOASTS = 5;

/** Merges a live alert event into the alert as listed (an `acknowledged` event keeps the alert open). */
export function mergeLiveAlert(existing: Alert | undefined, event: LiveAlert): Alert {
  const status = event.status === 'acknowledged' ? (existing?.status === 'resolved' ? 'resolved' : 'firing') : event.status;
  return {
    ...event,
    status,
    firedAt: existing?.firedAt ?? (status === 'firing' ? event.timestamp : null),
    silenced: existing?.silenced ?? false,
  };
}

export const alertTitle = (a: Pick<Alert, 'labels' | 'annotations' | 'type'>): string => a.annotations.summary ?? a.labels.alertname ?? a.type;

/** Open and past alerts, acknowledgement, and the toasts and desktop notifications of live ones. */
export const useAlertsStore = defineStore('alerts', () => {
  const items = ref<Alert[]>([]);
  const total = ref(0);
  const view = ref<'open' | 'history'>('open');
  const severity = ref<Severity | ''>('');
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const toasts = ref<Toast[]>([]);
  let toastSeq = 0;

  const shown = computed(() =>
    items.value.filter((a) => (view.value === 'open' ? a.status !== 'resolved' : a.status === 'resolved') && (severity.value === '' || a.severity === severity.value)),
  );
  const openCount = computed(() => items.value.filter((a) => a.status === 'firing' && a.acknowledgedAt === null).length);

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      const page = await useApi().alerts.list({ limit: 500 });
      items.value = page.items;
      total.value = page.total;
      loaded.value = true;
    });
  }

  function upsert(alert: Alert): void {
    const at = items.value.findIndex((a) => a.id === alert.id);
    if (at < 0) items.value = [alert, ...items.value];
    else items.value.splice(at, 1, alert);
  }

  /** Acknowledges an alert; the error (e.g. already resolved) is reported, not thrown. */
  async function acknowledge(id: string): Promise<boolean> {
    try {
      upsert(await useApi().alerts.acknowledge(id));
      dismissFor(id);
      return true;
    } catch (err) {
      error.value = (err as Error).message;
      return false;
    }
  }

  function applyLive(event: LiveAlert): void {
    const existing = items.value.find((a) => a.id === event.id);
    const merged = mergeLiveAlert(existing, event);
    upsert(merged);
    if (event.status === 'firing' && existing?.status !== 'firing') notify(merged);
    if (event.status !== 'firing') dismissFor(event.id);
  }

  function notify(alert: Alert): void {
    const title = alertTitle(alert);
    toasts.value = [...toasts.value, { id: ++toastSeq, alertId: alert.id, title, severity: alert.severity }].slice(-MAX_TOASTS);
    const settings = useSettingsStore();
    if (settings.desktopNotifications && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      new Notification(`Sextant: ${alert.severity}`, { body: title, tag: alert.id });
    }
  }

  function dismiss(toastId: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== toastId);
  }

  function dismissFor(alertId: string): void {
    toasts.value = toasts.value.filter((t) => t.alertId !== alertId);
  }

  return { items, total, view, severity, loading, loaded, error, toasts, shown, openCount, load, acknowledge, applyLive, dismiss };
});
