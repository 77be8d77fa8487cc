import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal SDK's native runtime crashed vitest's `threads` pool; separate processes are safe.
    pool: 'forks',
    // Postgres and the Temporal dev server start once per run (test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    testTimeout: 60_000,
    // Tests marked concurrent (the API fuzzer's runs, each bound by one core) run as many at once as there are cores.
    maxConcurrency: availableParallelism(),
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
