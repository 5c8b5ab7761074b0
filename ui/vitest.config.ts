import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';

// The UI's unit tests: stores and chart-option builders in a DOM (happy-dom).
export default defineProject({
  plugins: [vue()],
  test: {
    name: '@sextant/ui',
    environment: 'happy-dom',
    include: ['test/**/*.test.ts'],
  },
});
