import { describe, expect, it } from 'vitest';
import { FloeError, isFloeError } from './errors.js';

describe('FloeError', () => {
  it('marks conflicts retryable and unknown commit states not', () => {
    expect(new FloeError('commit-conflict', 'x').retryable).toBe(true);
    expect(new FloeError('commit-state-unknown', 'x').retryable).toBe(false);
    expect(new FloeError('usage', 'x').isUserError).toBe(true);
    expect(isFloeError(new FloeError('io', 'x'), 'io')).toBe(true);
    expect(isFloeError(new Error('x'))).toBe(false);
  });
});
