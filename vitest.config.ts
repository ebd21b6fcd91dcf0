import { defineConfig } from 'vitest/config';

// One suite, two databases: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
