/**
 * --rate N records/s: the k-th record is due at start + k/N seconds. Callers sleep only when they
 * are more than a few milliseconds early, so high rates do not cost a timer per record.
 */
export class RateLimiter {
  private start = -1;
  private taken = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `n` records' worth; returns how many ms the caller should wait first (0: go on). */
  take(n = 1): number {
    const t = this.now();
    if (this.start < 0) this.start = t;
    const due = this.start + (this.taken * 1000) / this.perSecond;
    this.taken += n;
    const wait = due - t;
    // Far behind (input stalled): do not let a backlog of credit turn into a burst.
    if (wait < -1000) {
      this.start = t - ((this.taken - n) * 1000) / this.perSecond;
      return 0;
    }
    return wait > 4 ? wait : 0;
  }
}
