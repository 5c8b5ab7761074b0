import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Built into ui/dist, which the API serves at `/` (API_UI_DIR). In development `vite` proxies the
// API and its MQTT WebSocket to a running `sextant up` (VITE_API, default http://127.0.0.1:8080).
const api = process.env.VITE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': api, '/mqtt': { target: api, ws: true } },
  },
});
