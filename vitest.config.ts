import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The collector and end-to-end tests bind ports and spawn processes: keep files apart on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
