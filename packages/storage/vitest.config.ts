import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@sextant/storage',
    globalSetup: ['@sextant/testkit/global-setup'],
  },
});
