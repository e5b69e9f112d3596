import { randomBytes, randomUUID } from 'node:crypto';

/** A random positive 63-bit snapshot id, as Java's SnapshotIdGenerator (never through a JS number). */
export function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  return id === 0n ? 1n : id;
}

export { randomUUID };
