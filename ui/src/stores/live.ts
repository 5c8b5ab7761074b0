import { defineStore } from 'pinia';
import { ref } from 'vue';
import { parseLiveMessage } from '../lib/live-messages.ts';
import { useAlertsStore } from './alerts.ts';
import { useAuthStore } from './auth.ts';
import { useMetricsStore } from './metrics.ts';
import { useServersStore } from './servers.ts';

export type LiveState = 'off' | 'connecting' | 'online' | 'offline';

/** What the UI subscribes to: every server's snapshot and status, every alert event. */
export const LIVE_TOPICS = ['sextant/v1/servers/+/snapshot', 'sextant/v1/servers/+/status', 'sextant/v1/alerts/#'];

interface MqttClientLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  subscribe(topics: string[], options: { qos: 0 | 1 }): unknown;
  end(force?: boolean): unknown;
}

/** The MQTT-over-WebSocket URL of the page's own server. */
export function liveUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`;
}

/**
 * Live data over MQTT (`/mqtt` on the API's server), logged in with the user's name and the current
 * access JWT: each reconnect takes the newest token. Messages update the servers, metrics and alerts
 * stores. The MQTT client is loaded on first connect, keeping it out of the initial bundle.
 */
export const useLiveStore = defineStore('live', () => {
  const state = ref<LiveState>('off');
  const lastMessageAt = ref<number | null>(null);
  let client: MqttClientLike | undefined;

  function handle(topic: string, payload: string): void {
    const message = parseLiveMessage(topic, payload);
    if (message === undefined) return;
    lastMessageAt.value = Date.now();
    if (message.kind === 'snapshot') {
      useServersStore().applySnapshot(message.payload);
      useMetricsStore().appendLive(message.payload);
    } else if (message.kind === 'status') {
      useServersStore().applyStatus(message.payload);
    } else {
      useAlertsStore().applyLive(message.payload);
    }
  }

  async function connect(): Promise<void> {
    if (client !== undefined) return;
    const auth = useAuthStore();
    if (auth.user === null) return;
    state.value = 'connecting';
    const { default: mqtt } = await import('mqtt');
    const username = auth.user.username;
    const c = mqtt.connect(liveUrl(window.location), {
      username,
      password: auth.accessToken ?? '',
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      clean: true,
      // Native timers: the default runs them in a blob: worker, which the page's CSP forbids.
      timerVariant: 'native',
      // Every (re)connect presents the newest access token.
      transformWsUrl: (url, options, mqttClient) => {
        options.password = auth.accessToken ?? '';
        mqttClient.options.password = options.password;
        return url;
      },
    });
    client = c;
    c.on('connect', () => {
      state.value = 'online';
      c.subscribe(LIVE_TOPICS, { qos: 1 });
    });
    c.on('close', () => {
      if (client !== undefined) state.value = 'offline';
    });
    c.on('offline', () => (state.value = 'offline'));
    c.on('error', () => (state.value = 'offline'));
    c.on('message', (topic, payload) => handle(topic, new TextDecoder().decode(payload)));
  }

  function disconnect(): void {
    const c = client;
    client = undefined;
    state.value = 'off';
    c?.end(true);
  }

  return { state, lastMessageAt, connect, disconnect, handle };
});
