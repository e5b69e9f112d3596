/**
 * The Kinesis read calls the consumer makes, behind a small interface (unit tests use an
 * in-memory fake), and the SDK adapter. The client itself is built by the CLI (the composition
 * root) with the same settings as the producer's.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { getRecordsResponsePlugin, type GetRecordsHolder } from './get-records-wire.js';

export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardId?: string | undefined;
  readonly adjacentParentShardId?: string | undefined;
  /** Closed by a split or merge: it has an ending sequence number and will end. */
  readonly closed: boolean;
}

export interface KinesisRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** ApproximateArrivalTimestamp (epoch ms), when the service gives it. */
  readonly arrivalMs?: number;
}

export interface GetRecordsResult {
  readonly records: readonly KinesisRecord[];
  /** Absent when the shard is closed and read to its end. */
  readonly nextIterator: string | undefined;
  readonly millisBehindLatest: number | undefined;
}

export type IteratorStart =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

export interface KinesisReadApi {
  /** Every shard of the stream, open and closed (within retention). */
  listShards(stream: string): Promise<ShardDescription[]>;
  getShardIterator(stream: string, shardId: string, start: IteratorStart): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<GetRecordsResult>;
  close(): void;
}

export type ReadErrorClass = 'throttled' | 'expired-iterator' | 'not-found' | 'fatal' | 'retry';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'LimitExceededException',
  'ThrottlingException',
]);
const FATAL = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
]);

export function classifyReadError(err: unknown): { code: string; class: ReadErrorClass } {
  const e = err as { name?: string; code?: string };
  const code = (e?.name && e.name !== 'Error' ? e.name : e?.code) ?? 'Error';
  if (THROTTLING.has(code)) return { code, class: 'throttled' };
  if (code === 'ExpiredIteratorException') return { code, class: 'expired-iterator' };
  if (code === 'ResourceNotFoundException') return { code, class: 'not-found' };
  if (FATAL.has(code)) return { code, class: 'fatal' };
  return { code, class: 'retry' };
}

export function sdkReadApi(client: KinesisClient): KinesisReadApi {
  return {
    async listShards(stream) {
      const out: ShardDescription[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(
          new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }),
        );
        for (const s of r.Shards ?? []) {
          out.push({
            shardId: s.ShardId ?? '',
            parentShardId: s.ParentShardId,
            adjacentParentShardId: s.AdjacentParentShardId,
            closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
          });
        }
        token = r.NextToken;
      } while (token);
      return out;
    },
    async getShardIterator(stream, shardId, start) {
      const r = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: start.type as ShardIteratorType,
          ...('sequenceNumber' in start ? { StartingSequenceNumber: start.sequenceNumber } : {}),
        }),
      );
      if (!r.ShardIterator)
        throw Object.assign(new Error(`no iterator for ${shardId}`), { name: 'InternalFailure' });
      return r.ShardIterator;
    },
    async getRecords(iterator, limit) {
      const command = new GetRecordsCommand({ ShardIterator: iterator, Limit: limit });
      const holder: GetRecordsHolder = {};
      command.middlewareStack.use(getRecordsResponsePlugin(holder));
      const r = await client.send(command);
      if (holder.parsed) return holder.parsed;
      // The SDK read the response (it was not one the plugin takes).
      return {
        records: (r.Records ?? []).map((x) => ({
          sequenceNumber: x.SequenceNumber ?? '',
          partitionKey: x.PartitionKey ?? '',
          data: x.Data ?? new Uint8Array(0),
          ...(x.ApproximateArrivalTimestamp ? { arrivalMs: x.ApproximateArrivalTimestamp.getTime() } : {}),
        })),
        nextIterator: r.NextShardIterator ?? undefined,
        millisBehindLatest: r.MillisBehindLatest,
      };
    },
    close() {
      client.destroy();
    },
  };
}
