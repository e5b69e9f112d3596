/**
 * Partition key → 128-bit hash key, as Kinesis computes it (MD5 of the key's UTF-8 bytes, read as
 * a big-endian unsigned integer), and the shard map that says which open shard owns a hash key.
 * The producer uses the map to group records by shard: for --aggregate (an aggregate must hold
 * records of one shard) and to keep one call in flight per shard (per-key order).
 */
import { createHash } from 'node:crypto';

export function hashKeyOf(partitionKey: string): bigint {
  const d = createHash('md5').update(partitionKey, 'utf8').digest();
  return (d.readBigUInt64BE(0) << 64n) | d.readBigUInt64BE(8);
}

export interface ShardRange {
  readonly shardId: string;
  readonly start: bigint;
  readonly end: bigint;
}

export class ShardMap {
  /** Sorted by start. */
  readonly shards: readonly ShardRange[];

  constructor(shards: readonly ShardRange[]) {
    this.shards = [...shards].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    if (this.shards.length === 0) throw new Error('a shard map needs at least one shard');
  }

  /** Index of the shard owning `hash` (the nearest one if the map has a gap, e.g. mid-reshard). */
  indexOf(hash: bigint): number {
    let lo = 0;
    let hi = this.shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.shards[mid] as ShardRange).start <= hash) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `n` shards splitting the hash space evenly, as CreateStream does. */
  static even(n: number): ShardMap {
    const space = 1n << 128n;
    const shards: ShardRange[] = [];
    for (let i = 0; i < n; i++) {
      const start = (space * BigInt(i)) / BigInt(n);
      const end = (space * BigInt(i + 1)) / BigInt(n) - 1n;
      shards.push({ shardId: `even-${i}`, start, end });
    }
    return new ShardMap(shards);
  }
}
