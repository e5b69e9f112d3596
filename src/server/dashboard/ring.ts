/**
 * A fixed-capacity ring of time-ordered items, and the bucketing the dashboard uses to keep a
 * response small however long the requested range is. Plain data structures, no consumer knowledge.
 */

/** Keeps the newest `capacity` items pushed; items must be pushed in non-decreasing time order. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    private readonly timeOf: (item: T) => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  at(i: number): T {
    if (i < 0 || i >= this.count) throw new RangeError(`ring index ${i} of ${this.count}`);
    return this.items[(this.start + i) % this.capacity] as T;
  }

  last(): T | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  toArray(): T[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  /** The first index whose time is >= t (binary search: times are non-decreasing). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeOf(this.at(mid)) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Items with from <= time <= to, plus (when `withPrevious`) the one just before `from` for rate deltas. */
  range(from: number, to: number, withPrevious = false): T[] {
    let i = this.lowerBound(from);
    if (withPrevious && i > 0) i--;
    const out: T[] = [];
    for (; i < this.count; i++) {
      const item = this.at(i);
      if (this.timeOf(item) > to) break;
      out.push(item);
    }
    return out;
  }
}

/**
 * Splits `n` consecutive points into at most `maxBuckets` contiguous, non-empty groups of nearly
 * equal size, returned as [start, end) index pairs covering 0..n exactly once.
 */
export function buckets(n: number, maxBuckets: number): [number, number][] {
  if (n <= 0) return [];
  const k = Math.max(1, Math.min(n, Math.floor(maxBuckets)));
  const out: [number, number][] = [];
  for (let b = 0; b < k; b++) {
    out.push([Math.floor((b * n) / k), Math.floor(((b + 1) * n) / k)]);
  }
  return out;
}
