import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    // The summary reporter prints the last line, `N passed, N failed`, that .ci/run ends on.
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    // 2-core machines: interop tests spawn Python and DuckDB; more workers only thrash.
    maxWorkers: 2,
  },
});
