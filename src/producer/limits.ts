/**
 * The Kinesis service limits the producer packs to (PutRecords API reference). Sizes count the
 * data blob plus the UTF-8 partition key, as the service does; the explicit hash key is free.
 */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Partition keys are 1 to 256 Unicode code points. */
export const MAX_PARTITION_KEY_CHARS = 256;
/** Hash keys are 128-bit unsigned integers, given as decimal strings. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** The size Kinesis charges a record against its limits. */
export function recordSize(data: Uint8Array, partitionKey: string): number {
  return data.length + Buffer.byteLength(partitionKey, 'utf8');
}
