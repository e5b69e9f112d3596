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
    // floe supports Node 20 deliberately; the AWS SDK's per-process notice about it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
