/**
 * The one commit-retry policy for every catalog: a bounded number of retries with exponential
 * backoff and full jitter. Whether an attempt may be retried is the caller's decision (it knows
 * whether the failed attempt definitely did not apply); this module only schedules.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (the issue asks for 3). */
  readonly retries: number;
  readonly minWaitMs: number;
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, minWaitMs: 100, maxWaitMs: 10_000 };

/** Reads Iceberg's `commit.retry.*` table properties over the default policy. */
export function retryPolicyFromProperties(properties: Readonly<Record<string, string>>): RetryPolicy {
  const int = (key: string, fallback: number): number => {
    const v = Number(properties[key]);
    return Number.isInteger(v) && v >= 0 ? v : fallback;
  };
  return {
    retries: int('commit.retry.num-retries', DEFAULT_RETRY_POLICY.retries),
    minWaitMs: int('commit.retry.min-wait-ms', DEFAULT_RETRY_POLICY.minWaitMs),
    maxWaitMs: int('commit.retry.max-wait-ms', DEFAULT_RETRY_POLICY.maxWaitMs),
  };
}

/** Wait before retry number `retry` (1-based): full jitter over an exponentially growing cap. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** (retry - 1));
  return Math.round(policy.minWaitMs / 2 + random() * (cap - policy.minWaitMs / 2));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
