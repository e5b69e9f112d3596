/**
 * Kinesis emulators for tests: `startKinesisLocal()` (kinesis-mock, the engine LocalStack uses) and
 * `startKinesalite()`, each a child process on a free port on 127.0.0.1, plus helpers to create a
 * stream and read everything back with GetRecords. `stop()` kills the process (kinesis-mock
 * ignores SIGTERM, so SIGKILL); children are also killed when the test process exits.
 *
 * kinesis-mock binds 0.0.0.0 with no setting to change it; a preloaded module pins every
 * listen() of the process to 127.0.0.1, so nothing is exposed beyond the machine.
 */
import { freePort } from '../support/net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KINESIS_LOCAL = join(REPO_ROOT, 'node_modules', 'kinesis-local');

export const TEST_CREDENTIALS = { accessKeyId: 'floetest', secretAccessKey: 'floetest' };
export const TEST_REGION = 'us-east-1';

/** Environment for a child `floe produce` aimed at `endpoint` (no real credentials involved). */
export function kinesisEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface Emulator {
  readonly name: 'kinesis-local' | 'kinesalite';
  readonly endpoint: string;
  readonly client: KinesisClient;
  createStream(name: string, shards: number): Promise<void>;
  stop(): Promise<void>;
}

export { freePort } from '../support/net.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function testClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 16 }) }),
  });
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function track(child: ChildProcess): () => string {
  children.add(child);
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => children.delete(child));
  return () => out;
}

async function waitReady(
  client: KinesisClient,
  child: ChildProcess,
  output: () => string,
  name: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output()}`);
    try {
      await client.send(new ListShardsCommand({ StreamName: 'floe-probe-none' }));
      return;
    } catch (err) {
      // Any Kinesis answer (ResourceNotFound) means the server is up.
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) return;
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 60 s: ${output()}`);
    await sleep(200);
  }
}

function stopper(child: ChildProcess, client: KinesisClient): () => Promise<void> {
  return async () => {
    client.destroy();
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  };
}

async function createAndWait(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 300; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** Pins every listen() to 127.0.0.1 (kinesis-mock hard-codes 0.0.0.0). */
const LOOPBACK_ONLY = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] && typeof args[0] === 'object') args[0] = { ...args[0], host: '127.0.0.1' };
  else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] === 'string' || args[1] == null) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
`;

export async function startKinesisLocal(options: { shardLimit?: number } = {}): Promise<Emulator> {
  const [plain, tls] = [await freePort(), await freePort()];
  const durations = [
    'CREATE_STREAM_DURATION',
    'DELETE_STREAM_DURATION',
    'MERGE_SHARDS_DURATION',
    'SPLIT_SHARD_DURATION',
    'UPDATE_SHARD_COUNT_DURATION',
    'REGISTER_STREAM_CONSUMER_DURATION',
    'DEREGISTER_STREAM_CONSUMER_DURATION',
  ];
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(LOOPBACK_ONLY)}`, join(KINESIS_LOCAL, 'main.js')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        KINESIS_MOCK_CERT_PATH: join(KINESIS_LOCAL, 'server.json'),
        KINESIS_MOCK_PLAIN_PORT: String(plain),
        KINESIS_MOCK_TLS_PORT: String(tls),
        SHARD_LIMIT: String(options.shardLimit ?? 100),
        LOG_LEVEL: 'WARN',
        SHOULD_PERSIST_DATA: 'false',
        ...Object.fromEntries(durations.map((d) => [d, '0ms'])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = track(child);
  const endpoint = `http://127.0.0.1:${plain}`;
  const client = testClient(endpoint);
  const stop = stopper(child, client);
  try {
    await waitReady(client, child, output, 'kinesis-local');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: 'kinesis-local',
    endpoint,
    client,
    createStream: (n, s) => createAndWait(client, n, s),
    stop,
  };
}

export async function startKinesalite(): Promise<Emulator> {
  const port = await freePort();
  const script = `require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 })
    .listen(${port}, '127.0.0.1', () => console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = track(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = testClient(endpoint);
  const stop = stopper(child, client);
  try {
    await waitReady(client, child, output, 'kinesalite');
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'kinesalite', endpoint, client, createStream: (n, s) => createAndWait(client, n, s), stop };
}

export interface ReadRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

/**
 * Every record of every shard, each shard in sequence order: reads until `expected` records are
 * seen (or, without it, until a shard returns nothing twice), with a deadline.
 */
export async function readStream(
  client: KinesisClient,
  stream: string,
  expected?: number,
): Promise<ReadRecord[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const iterators = new Map<string, string | undefined>();
  for (const s of shards) {
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: s.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    iterators.set(s.ShardId as string, it.ShardIterator);
  }
  const out: ReadRecord[] = [];
  const emptyPolls = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    let progressed = false;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const r = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      iterators.set(shardId, r.NextShardIterator);
      for (const rec of r.Records ?? ([] as _Record[])) {
        out.push({
          shardId,
          sequenceNumber: rec.SequenceNumber as string,
          partitionKey: rec.PartitionKey as string,
          data: Buffer.from(rec.Data as Uint8Array),
        });
      }
      if ((r.Records ?? []).length > 0) progressed = true;
      else emptyPolls.set(shardId, (emptyPolls.get(shardId) ?? 0) + 1);
    }
    if (
      expected !== undefined
        ? out.length >= expected
        : !progressed && [...emptyPolls.values()].every((n) => n >= 2)
    )
      break;
    if (!progressed) await sleep(50);
  }
  return out;
}
