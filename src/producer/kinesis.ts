/**
 * The two Kinesis calls the producer makes, behind a small interface (tests use an in-memory
 * fake), the SDK adapter, and client configuration: region and credentials from the default
 * provider chain, the endpoint from AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL (emulators,
 * LocalStack), TLS unless the endpoint says http://.
 *
 * PutRecords bodies are written by floe (wire.ts: native base64 for JSON, or CBOR) and signed
 * and sent by the SDK; every other call is the SDK's own.
 *
 * HTTP/1.1 with keep-alive rather than the SDK's HTTP/2 default: PutRecords does not need HTTP/2,
 * kinesalite speaks only HTTP/1.1, and a socket per in-flight call is what the concurrency limit
 * counts anyway.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient, ListShardsCommand, PutRecordsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FloeError } from '../errors.js';
import type { PutEntry } from './entry.js';
import type { ShardRange } from './hash.js';
import { encodePutRecordsBody, putRecordsBodyPlugin, type WireProtocol } from './wire.js';

export interface PutResultEntry {
  readonly sequenceNumber?: string | undefined;
  readonly shardId?: string | undefined;
  readonly errorCode?: string | undefined;
  readonly errorMessage?: string | undefined;
}

export interface KinesisApi {
  /** One PutRecords call; the results are in entry order. Throws when the whole call fails. */
  putRecords(stream: string, entries: readonly PutEntry[]): Promise<readonly PutResultEntry[]>;
  /** The stream's open shards. */
  listShards(stream: string): Promise<readonly ShardRange[]>;
  close(): void;
}

/** The stream name of the embedded dev setup (`npm start`). */
export const DEV_STREAM = 'floe-dev';
/** Where the embedded dev setup's emulator listens when no endpoint is configured. */
export const DEV_ENDPOINT = 'http://127.0.0.1:4567';

export interface ClientSettings {
  /** Explicit endpoint URL; otherwise from the environment; otherwise AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Sockets: the calls that may be in flight. */
  maxSockets: number;
  env: Readonly<Record<string, string | undefined>>;
}

/** --endpoint, else AWS_ENDPOINT_URL_KINESIS, else AWS_ENDPOINT_URL (the SDK's own precedence). */
export function endpointFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const v = env.AWS_ENDPOINT_URL_KINESIS || env.AWS_ENDPOINT_URL;
  return v && v.trim() !== '' ? v.trim() : undefined;
}

export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new FloeError('usage', `the Kinesis endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FloeError('usage', `the Kinesis endpoint ${endpoint} must start with http:// or https://`);
  }
  return url;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
}

export function createKinesisClient(settings: ClientSettings): KinesisClient {
  const env = settings.env;
  const endpoint = settings.endpoint ?? endpointFromEnv(env);
  const url = endpoint === undefined ? undefined : checkEndpoint(endpoint);
  const local = url !== undefined && isLoopback(url);
  const region =
    settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined);
  const chain =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? async () => ({
          accessKeyId: env.AWS_ACCESS_KEY_ID as string,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        })
      : fromNodeProviderChain();
  // Emulators accept any credentials; a developer without an AWS profile still gets the dev loop.
  const credentials = local
    ? async () => {
        try {
          return await chain();
        } catch {
          return { accessKeyId: 'floe-local', secretAccessKey: 'floe-local' };
        }
      }
    : chain;
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets };
  return new KinesisClient({
    ...(region ? { region } : {}),
    ...(url ? { endpoint: url.toString().replace(/\/$/, '') } : {}),
    credentials,
    // Whole-call failures (network, 5xx, throttling) are retried by the SDK first; entry-level
    // failures are the producer's.
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
    }),
  });
}

function toRange(s: Shard): ShardRange {
  return {
    shardId: s.ShardId ?? '',
    start: BigInt(s.HashKeyRange?.StartingHashKey ?? '0'),
    end: BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
  };
}

export interface SdkApiOptions {
  /**
   * How PutRecords bodies are encoded (see wire.ts): `json` (default) as the SDK would, but
   * written by floe with native base64; `cbor` as the Java SDK and the KPL send them (raw blobs).
   */
  protocol?: WireProtocol | undefined;
}

export function sdkKinesisApi(client: KinesisClient, options: SdkApiOptions = {}): KinesisApi {
  const protocol = options.protocol ?? 'json';
  // close() aborts calls still in flight (an interrupted run gave their records back): destroying
  // the client alone leaves their sockets, and the process, alive until the request timeout.
  const inFlight = new AbortController();
  return {
    async putRecords(stream, entries) {
      // The SDK serialises only the stream name; the body with the records is ours (wire.ts).
      const command = new PutRecordsCommand({ StreamName: stream, Records: [] });
      command.middlewareStack.use(
        putRecordsBodyPlugin(protocol, encodePutRecordsBody(protocol, stream, entries)),
      );
      const out = await client.send(command, { abortSignal: inFlight.signal });
      const records = out.Records ?? [];
      if (records.length !== entries.length) {
        throw Object.assign(
          new Error(`PutRecords returned ${records.length} results for ${entries.length} records`),
          { name: 'InternalFailure' },
        );
      }
      return records.map((r) => ({
        sequenceNumber: r.SequenceNumber,
        shardId: r.ShardId,
        errorCode: r.ErrorCode,
        errorMessage: r.ErrorMessage,
      }));
    },
    async listShards(stream) {
      const shards: ShardRange[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(
          new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }),
        );
        for (const s of out.Shards ?? []) {
          if (s.SequenceNumberRange?.EndingSequenceNumber === undefined) shards.push(toRange(s));
        }
        token = out.NextToken;
      } while (token);
      return shards;
    },
    close() {
      inFlight.abort();
      client.destroy();
    },
  };
}

/** Entry error codes worth sending again (the service says so in the PutRecords reference). */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'KMSThrottlingException',
]);

/** Whole-call errors that no retry can fix and that will fail every later call too. */
const FATAL_CALL_ERRORS: ReadonlySet<string> = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
]);

/** Whole-call errors caused by the request itself: its entries fail, other calls go on. */
const REJECTED_CALL_ERRORS: ReadonlySet<string> = new Set([
  'ValidationException',
  'InvalidArgumentException',
]);

export type CallErrorClass = 'retry' | 'fatal' | 'reject';

export function classifyCallError(err: unknown): { code: string; message: string; class: CallErrorClass } {
  const e = err as { name?: string; message?: string; code?: string };
  const code = (e?.name && e.name !== 'Error' ? e.name : e?.code) ?? 'Error';
  const message = e?.message ?? String(err);
  if (FATAL_CALL_ERRORS.has(code)) return { code, message, class: 'fatal' };
  if (REJECTED_CALL_ERRORS.has(code)) return { code, message, class: 'reject' };
  return { code, message, class: 'retry' };
}
