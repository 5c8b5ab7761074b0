import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration } from 'vitest/config';

// One command runs every workspace's tests; each folder is its own project and inherits the
// settings below (`extends: true`).
const project = (name: string, root: string, test: TestProjectInlineConfiguration['test'] = {}): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, root, ...test },
});

// Projects whose tests need a database get one embedded PostgreSQL for the whole run.
const withDatabase = { globalSetup: ['@sextant/testkit/global-setup'] };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      project('@sextant/config', 'packages/config'),
      project('@sextant/log', 'packages/log'),
      project('@sextant/contracts', 'packages/contracts'),
      project('@sextant/auth', 'packages/auth', withDatabase),
      project('@sextant/exposition', 'packages/exposition'),
      project('@sextant/storage', 'packages/storage', withDatabase),
      project('@sextant/testkit', 'packages/testkit'),
      project('@sextant/cli', 'cli'),
      project('@sextant/exporter', 'exporter'),
      project('@sextant/ingester', 'ingester', withDatabase),
      project('@sextant/api', 'api', withDatabase),
      project('@sextant/alertmanager-bridge', 'alertmanager-bridge', withDatabase),
      // The UI's own config adds the Vue plugin and a DOM.
      'ui/vitest.config.ts',
      project('@sextant/e2e', 'test/e2e'),
      project('@sextant/deploy', 'test/deploy', withDatabase),
    ],
  },
});
