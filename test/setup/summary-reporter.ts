/**
 * Prints one plain last line, `N passed, N failed` (`, N skipped` only when some were), for CI
 * (.ci/run) to end on. Listed after 'default' in vitest.config.ts so it prints last.
 *
 * A test file that fails outside any test (import error, failing beforeAll) and every unhandled
 * error count as one failure each: the line must never claim "0 failed" for a red run.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function countResults(
  modules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason,
): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const module of modules) {
    let failedTests = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') failedTests++;
      else counts.skipped++; // skipped, todo, or never finished ('pending')
    }
    counts.failed += failedTests;
    if (failedTests === 0 && (module.state() === 'failed' || module.errors().length > 0)) counts.failed++;
  }
  counts.failed += unhandledErrors.length;
  if (reason === 'failed' && counts.failed === 0) counts.failed = 1;
  return counts;
}

export function summaryLine(c: RunCounts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    process.stdout.write(`${summaryLine(countResults(testModules, unhandledErrors, reason))}\n`);
  }
}
