/**
 * The Kinesis producer: input files → one JSON object per record (docs/wire-format.md) →
 * PutRecords at the service limits, with retries, optional KPL aggregation, rate limiting and
 * backpressure. `produce()` is the whole run; the parts are exported for tests and the server.
 */
export {
  produce,
  DEFAULT_AGGREGATE_BYTES,
  type ProduceSettings,
  type ProduceDeps,
  type ProduceSummary,
} from './produce.js';
export {
  RecordEncoder,
  compactJson,
  isBad,
  type BadRecord,
  type Encoded,
  type EncodeOptions,
} from './encode.js';
export {
  AggregateEntry,
  TextRecord,
  userBytesOf,
  userCountOf,
  type PutBatch,
  type PutEntry,
  type UserRecord,
} from './entry.js';
export { PutBatcher, KINESIS_BATCH_LIMITS, type BatchLimits } from './batcher.js';
export { AggregateBuilder, encodeAggregate, KPL_MAGIC, KPL_OVERHEAD, type AggregateInput } from './kpl.js';
export { hashKeyOf, ShardMap, type ShardRange } from './hash.js';
export {
  createKinesisClient,
  sdkKinesisApi,
  classifyCallError,
  endpointFromEnv,
  checkEndpoint,
  RETRYABLE_ENTRY_CODES,
  DEV_ENDPOINT,
  DEV_STREAM,
  type KinesisApi,
  type PutResultEntry,
  type ClientSettings,
  type SdkApiOptions,
} from './kinesis.js';
export {
  encodePutRecordsBody,
  encodePutRecordsJson,
  putRecordsBodyPlugin,
  WIRE_PROTOCOLS,
  type WireProtocol,
} from './wire.js';
export { decodeCbor, encodePutRecords as encodePutRecordsCbor, type CborValue } from './cbor.js';
export { Sender, type SenderOptions, type SendStats } from './sender.js';
export { RateLimiter } from './rate.js';
export { Progress, progressLine, formatDuration, type ProgressState } from './progress.js';
export { FailedRecordsWriter } from './files.js';
export * from './limits.js';
