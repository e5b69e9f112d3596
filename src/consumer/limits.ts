/**
 * Per-shard read limits (Kinesis: 5 GetRecords calls/s and 2 MB/s per shard, shared by every
 * reader of the shard). One `ShardThrottle` per (stream, shard) per process, shared by the tables
 * reading the same stream, so a process never exceeds the limits on its own; other processes'
 * reads still cause ProvisionedThroughputExceeded, which the reader backs off from.
 */
export interface ReadLimits {
  /** Minimum gap between two GetRecords calls on one shard (default 200 ms = 5 calls/s). */
  readonly minCallIntervalMs: number;
  /** Bytes per second per shard (default 2 MB/s). */
  readonly bytesPerSecond: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { minCallIntervalMs: 200, bytesPerSecond: 2_000_000 };

export class ShardThrottle {
  private nextCallAt = 0;
  constructor(private readonly limits: ReadLimits = DEFAULT_READ_LIMITS) {}

  /** How long to wait before the next call. */
  delayMs(now = Date.now()): number {
    return Math.max(0, this.nextCallAt - now);
  }

  /** Records a call made at `startedAt` that returned `bytes`: the byte budget spreads the next call out. */
  record(startedAt: number, bytes: number): void {
    const byBytes = (bytes / this.limits.bytesPerSecond) * 1000;
    this.nextCallAt = Math.max(this.nextCallAt, startedAt + Math.max(this.limits.minCallIntervalMs, byBytes));
  }

  /** After a throttling error: nothing before `ms` from now. */
  penalise(ms: number, now = Date.now()): void {
    this.nextCallAt = Math.max(this.nextCallAt, now + ms);
  }
}

export class ThrottleRegistry {
  private readonly map = new Map<string, ShardThrottle>();
  constructor(private readonly limits: ReadLimits = DEFAULT_READ_LIMITS) {}
  get(stream: string, shardId: string): ShardThrottle {
    const key = `${stream}\u0000${shardId}`;
    let t = this.map.get(key);
    if (!t) this.map.set(key, (t = new ShardThrottle(this.limits)));
    return t;
  }
}

/** Exponential backoff with full jitter, capped. */
export function backoff(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
