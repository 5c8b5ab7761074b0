import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createHttp } from './api/http.ts';
import { createSextantApi } from './api/sextant-api.ts';
import { provideApi } from './api/use-api.ts';
import { registerPwa } from './lib/pwa.ts';
import { createAppRouter } from './router.ts';
import { useAuthStore } from './stores/auth.ts';
import { useSettingsStore } from './stores/settings.ts';
import './styles.css';

const pinia = createPinia();
const app = createApp(App).use(pinia);
const auth = useAuthStore();
const http = createHttp({ token: () => auth.accessToken, refresh: () => auth.refresh() });
provideApi(createSextantApi(http), http);
useSettingsStore();
const router = createAppRouter();
app.use(router).mount('#app');

// Installable PWA: the app shell is cached for offline use, never /api or /mqtt.
if (import.meta.env.PROD) registerPwa((run) => router.afterEach(run));
