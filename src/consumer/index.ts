/**
 * The streaming consumer: Kinesis shards → decoded batches → exactly-once Iceberg commits that
 * carry the cumulative shard positions in their snapshot summaries.
 */
export {
  Consumer,
  type ConsumerOptions,
  type ConsumerState,
  type Health,
  type TableSpec,
} from './consumer.js';
export {
  TableConsumer,
  DEFAULT_BATCHING,
  type BatchingOptions,
  type FlushProcessor,
  type ReaderTuning,
  type RejectedRecord,
  type TableConsumerOptions,
  type TableStatus,
} from './table-consumer.js';
export { commitWithPositions, type PositionCommit, type PositionCommitResult } from './commit.js';
export * from './position.js';
export {
  LocalFileCheckpointStore,
  MemoryCheckpointStore,
  type CheckpointStore,
  type LeaseKey,
  type StoredCheckpoint,
} from './checkpoint-store.js';
export {
  sdkReadApi,
  classifyReadError,
  type KinesisReadApi,
  type KinesisRecord,
  type GetRecordsResult,
  type IteratorStart,
  type ShardDescription,
} from './kinesis.js';
export { ShardReader, startFor, type ChunkRecord, type ReadChunk, type ShardSink } from './shard-reader.js';
export { ShardThrottle, ThrottleRegistry, DEFAULT_READ_LIMITS, backoff, type ReadLimits } from './limits.js';
export { Metrics, COUNTERS, type CounterName, type MetricsSnapshot } from './metrics.js';
export { createLogger, component, silentLogger, type Logger } from './log.js';
export { createProcessor, type ProcessorOptions } from './processor.js';
export {
  loadConfigFile,
  validateConfig,
  interpolateEnv,
  ConsumeConfigSchema,
  TableConfigSchema,
  type ConsumeConfig,
  type TableConfig,
} from './config.js';
