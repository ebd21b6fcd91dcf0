import { defineConfig } from 'vitest/config';

// The fault tests (npm run test:faults): each starts a PostgreSQL cluster of its own and
// real server processes, and breaks them. One file at a time: they load the machine.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
