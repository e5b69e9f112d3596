import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY_POLICY, retryPolicyFromProperties } from './retry.js';

describe('retry policy', () => {
  it('retries 3 times by default and reads commit.retry.* properties', () => {
    expect(DEFAULT_RETRY_POLICY.retries).toBe(3);
    expect(
      retryPolicyFromProperties({ 'commit.retry.num-retries': '5', 'commit.retry.min-wait-ms': '10' }),
    ).toMatchObject({
      retries: 5,
      minWaitMs: 10,
    });
    expect(retryPolicyFromProperties({ 'commit.retry.num-retries': 'x' }).retries).toBe(3);
  });

  it('grows the wait exponentially up to the cap, with jitter', () => {
    const policy = { retries: 10, minWaitMs: 100, maxWaitMs: 1000 };
    expect(backoffMs(policy, 1, () => 1)).toBe(100);
    expect(backoffMs(policy, 3, () => 1)).toBe(400);
    expect(backoffMs(policy, 10, () => 1)).toBe(1000);
    expect(backoffMs(policy, 3, () => 0)).toBe(50);
  });
});
