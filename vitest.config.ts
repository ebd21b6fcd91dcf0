import { defineConfig } from 'vitest/config';

// One suite, two databases: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests break clusters of their own: npm run test:faults (vitest.faults.config.ts).
    exclude: ['test/faults/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A condition polled for (expect.poll) gets the time a busy machine needs, not 1 s.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
