import { defineConfig } from 'vitest/config';

// Unit tests run once; every test that touches the stores runs twice: on PGlite and on the
// PostgreSQL server (SIYU_TEST_DATABASE_URL, default the local server's `test` database).
const pureUnits = ['test/core/**', 'test/demo/**'];
const browser = ['test/e2e/**'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: pureUnits.map((p) => `${p}/*.test.ts`) } },
      { extends: true, test: { name: 'pglite', include: ['test/**/*.test.ts'], exclude: [...pureUnits, ...browser], env: { SIYU_TEST_STORE: 'pglite' } } },
      { extends: true, test: { name: 'postgres', include: ['test/**/*.test.ts'], exclude: [...pureUnits, ...browser], env: { SIYU_TEST_STORE: 'postgres' } } },
      { extends: true, test: { name: 'e2e', include: browser.map((p) => `${p}/*.test.ts`), fileParallelism: false, globalSetup: ['test/e2e/global-setup.ts'] } },
    ],
  },
});
