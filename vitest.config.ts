import { defineConfig } from 'vitest/config';

/**
 * One suite, two databases: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
 * Two projects: `unit` needs no database and no global setup, so `npm run test:unit`
 * answers in seconds; `integration` (with the browser tests in test/e2e) runs the global
 * setup once (migrate, build the web app) and clones a migrated database per file.
 */

export default defineConfig({
  test: {
    // The fault tests break clusters of their own: npm run test:faults (vitest.faults.config.ts).
    exclude: ['test/faults/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A condition polled for (expect.poll) gets the time a busy machine needs, not 1 s.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          // A worker runs its files one after another in one module registry: the server's
          // modules (and PGlite's WebAssembly) load once per worker, not once per file,
          // which halves the suite's time. Each file still builds its own app on its own
          // database, and leaves nothing behind (useApp closes both).
          isolate: false,
        },
      },
    ],
  },
});
