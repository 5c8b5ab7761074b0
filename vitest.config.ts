import { defineConfig } from 'vitest/config';

// One command runs every workspace's tests: each folder below is its own project.
export default defineConfig({
  test: {
    projects: ['packages/*', 'cli', 'exporter', 'test/e2e'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
