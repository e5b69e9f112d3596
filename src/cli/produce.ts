/**
 * `floe produce <file|->`: a file into a Kinesis stream (src/producer does the work). This file
 * turns flags and environment into settings, picks the real Kinesis client, and prints the
 * summary; the exit code says whether every record was delivered.
 */
import { resolve } from 'node:path';
import { FloeError } from '../errors.js';
import {
  checkEndpoint,
  createKinesisClient,
  DEFAULT_AGGREGATE_BYTES,
  DEV_ENDPOINT,
  DEV_STREAM,
  endpointFromEnv,
  MAX_HASH_KEY,
  MAX_RECORD_BYTES,
  produce,
  sdkKinesisApi,
  type KinesisApi,
  type ProduceSettings,
  type ProduceSummary,
} from '../producer/index.js';
import { intOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import { write, type CliContext } from './context.js';
import { badRecordLimit, INPUT_OPTIONS, inputDialect } from './input-options.js';
import { formatBytes, formatCount, formatSeconds, toJsonText } from './format.js';

/** Smallest --aggregate-bytes: below this an aggregate's framing outweighs what it saves. */
const MIN_AGGREGATE_BYTES = 1024;

export const produceSpec: CommandSpec = {
  name: 'produce',
  summary: 'Send a CSV, JSON-array or NDJSON file (optionally .gz; - for stdin) to a Kinesis stream.',
  usage: '<file|-> [--stream <name>] [options]',
  positionals: [{ name: '<file>', required: true }],
  options: {
    stream: {
      type: 'string',
      valueName: '<name>',
      description: `target stream (default $FLOE_STREAM, else the dev stream "${DEV_STREAM}")`,
      short: 's',
    },
    ...INPUT_OPTIONS,
    'partition-key': {
      type: 'string',
      valueName: '<field>',
      description: "partition key from this field's value (default: spread evenly over the shards)",
      short: 'k',
    },
    'explicit-hash-key': {
      type: 'string',
      valueName: '<decimal>',
      description: 'ExplicitHashKey for every record (0 to 2^128-1): routes them all to the shard owning it',
    },
    aggregate: {
      type: 'boolean',
      description: 'pack many records into each Kinesis record (KPL aggregation format)',
    },
    'aggregate-bytes': {
      type: 'string',
      valueName: '<N>',
      description: `with --aggregate: bytes per aggregate at most, ${MIN_AGGREGATE_BYTES}-${MAX_RECORD_BYTES} (default ${DEFAULT_AGGREGATE_BYTES}; the KPL's is 51200)`,
    },
    rate: { type: 'string', valueName: '<N>', description: 'send at most N records per second' },
    'max-bad-records': {
      type: 'string',
      valueName: '<N|unlimited>',
      description: 'malformed input records allowed before the run stops (default 0)',
    },
    'bad-records': {
      type: 'string',
      valueName: '<file>',
      description: 'bad input records, NDJSON (default <file>.bad.ndjson)',
    },
    'failed-records': {
      type: 'string',
      valueName: '<file>',
      description: 'records the service refused after all retries, NDJSON (default <file>.failed.ndjson)',
    },
    concurrency: { type: 'string', valueName: '<N>', description: 'PutRecords calls in flight (default 8)' },
    'max-retries': {
      type: 'string',
      valueName: '<N>',
      description: 'retries of a throttled or failed record (default 8)',
    },
    endpoint: {
      type: 'string',
      valueName: '<url>',
      description: 'Kinesis endpoint (default $AWS_ENDPOINT_URL_KINESIS, $AWS_ENDPOINT_URL, else AWS)',
    },
    region: {
      type: 'string',
      valueName: '<region>',
      description: 'AWS region (default: the SDK provider chain)',
    },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    quiet: { type: 'boolean', description: 'no progress display', short: 'q' },
  },
  details: `Each record is sent as one JSON object (CSV rows keyed by the header): see docs/wire-format.md.
Credentials and region come from the AWS default provider chain. Without --stream, $FLOE_STREAM or
an endpoint, the run goes to the embedded dev emulator (${DEV_ENDPOINT}, stream "${DEV_STREAM}").

Throttled records (ProvisionedThroughputExceededException, InternalFailure) are retried with
exponential backoff; records still refused go to the failed-records file with their error code.
Malformed input records go to the bad-records file with their line number and reason.

Ctrl-C (SIGINT) or SIGTERM stops reading; the records already read are still sent (failures are
not retried any more) and the summary is printed. A second signal writes every record Kinesis has
not acknowledged to the failed-records file and ends the run at once.

Exit codes: 0 every record delivered; 1 some record was not (failed, or the run stopped early);
2 usage error; 130 / 143 interrupted by SIGINT / SIGTERM (the input was not read to its end).`,
};

export interface ProduceCliSettings extends ProduceSettings {
  endpoint: string | undefined;
  region: string | undefined;
  json: boolean;
  quiet: boolean;
}

export function produceSettings(ctx: CliContext, args: ParsedArgs): ProduceCliSettings {
  const v = args.values;
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const input = args.positionals[0] as string;
  const streamFlag = str('stream');
  if (streamFlag !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(streamFlag)) {
    throw usageError(
      produceSpec,
      `--stream must be 1-128 letters, digits, _ . or -, got ${JSON.stringify(streamFlag)}`,
    );
  }
  const envStream = ctx.env.FLOE_STREAM || undefined;
  const stream = streamFlag ?? envStream ?? DEV_STREAM;
  let endpoint = str('endpoint') ?? endpointFromEnv(ctx.env);
  if (endpoint === undefined && streamFlag === undefined && envStream === undefined) endpoint = DEV_ENDPOINT;
  if (endpoint !== undefined) {
    try {
      checkEndpoint(endpoint);
    } catch (err) {
      throw usageError(produceSpec, (err as Error).message);
    }
  }
  const dialect = inputDialect(produceSpec, args.values, input);
  const ehk = str('explicit-hash-key');
  if (ehk !== undefined && (!/^\d{1,39}$/.test(ehk) || BigInt(ehk) > MAX_HASH_KEY)) {
    throw usageError(
      produceSpec,
      `--explicit-hash-key must be an integer from 0 to 2^128-1, got ${JSON.stringify(ehk)}`,
    );
  }
  const pk = str('partition-key');
  if (pk !== undefined && pk.length === 0)
    throw usageError(produceSpec, '--partition-key needs a field name');
  if (pk !== undefined && ehk !== undefined) {
    throw usageError(produceSpec, '--partition-key and --explicit-hash-key cannot be combined');
  }
  const aggregateBytes = str('aggregate-bytes');
  if (aggregateBytes !== undefined && v.aggregate !== true)
    throw usageError(produceSpec, '--aggregate-bytes needs --aggregate');
  const maxAggregateBytes =
    aggregateBytes === undefined
      ? undefined
      : intOption(produceSpec, 'aggregate-bytes', aggregateBytes, MIN_AGGREGATE_BYTES);
  if (maxAggregateBytes !== undefined && maxAggregateBytes > MAX_RECORD_BYTES)
    throw usageError(produceSpec, `--aggregate-bytes must be at most ${MAX_RECORD_BYTES} (the record limit)`);
  const maxBad = str('max-bad-records');
  const maxBadRecords = badRecordLimit(produceSpec, 'max-bad-records', maxBad);
  const base = input === '-' ? resolve(ctx.cwd, 'stdin') : resolve(ctx.cwd, input);
  return {
    input: input === '-' ? '-' : resolve(ctx.cwd, input),
    stream,
    ...dialect,
    partitionKeyField: pk,
    explicitHashKey: ehk === undefined ? undefined : BigInt(ehk).toString(),
    aggregate: v.aggregate === true,
    ...(maxAggregateBytes !== undefined ? { maxAggregateBytes } : {}),
    rate: str('rate') === undefined ? undefined : intOption(produceSpec, 'rate', str('rate') as string, 1),
    maxBadRecords,
    badRecordsPath: resolve(ctx.cwd, str('bad-records') ?? `${base}.bad.ndjson`),
    failedRecordsPath: resolve(ctx.cwd, str('failed-records') ?? `${base}.failed.ndjson`),
    concurrency:
      str('concurrency') === undefined
        ? 8
        : intOption(produceSpec, 'concurrency', str('concurrency') as string, 1),
    maxRetries:
      str('max-retries') === undefined
        ? 8
        : intOption(produceSpec, 'max-retries', str('max-retries') as string),
    endpoint,
    region: str('region'),
    json: v.json === true,
    quiet: v.quiet === true,
  };
}

export function summaryLines(s: ProduceSummary): string[] {
  const secs = s.elapsedMs / 1000;
  const lines = [
    `produced ${s.input} → stream ${s.stream}${s.shards ? ` (${s.shards} shard${s.shards === 1 ? '' : 's'})` : ''}${s.aggregate ? ', aggregated' : ''}`,
    `  read     ${formatCount(s.read)} records`,
    `  sent     ${formatCount(s.sent)}${s.aggregate ? ` in ${formatCount(s.kinesisRecords)} Kinesis records` : ''}, ${formatCount(s.calls)} PutRecords calls`,
    `  retried  ${formatCount(s.retried)}${
      Object.keys(s.errors).length
        ? ` (${Object.entries(s.errors)
            .map(([k, n]) => `${k} ${formatCount(n)}`)
            .join(', ')})`
        : ''
    }`,
    `  failed   ${formatCount(s.failed)}${s.failedRecordsFile ? ` → ${s.failedRecordsFile}` : ''}`,
    `  bad      ${formatCount(s.bad)}${s.badRecordsFile ? ` → ${s.badRecordsFile}` : ''}`,
  ];
  if (s.unsent > 0) lines.push(`  unsent   ${formatCount(s.unsent)} (read after the run stopped)`);
  if (s.interrupted !== null)
    lines.push(
      `  stopped  by ${s.interrupted} after input line ${formatCount(s.lastLine)}: the rest of the input was not read`,
    );
  lines.push(
    `  bytes    ${formatBytes(s.bytes)}`,
    `  elapsed  ${formatSeconds(s.elapsedMs)} (${formatCount(Math.round(s.recordsPerSecond))} records/s, ${(secs > 0 ? s.bytes / 1e6 / secs : 0).toFixed(1)} MB/s)`,
  );
  return lines;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C / SIGTERM: the first stops reading and lets what was read finish (no more retries);
 * the second gives every unacknowledged record back to the failed-records file; a third exits
 * at once. Returns the abort signals for produce() and a function that removes the handlers.
 */
function interruptHandlers(ctx: CliContext): {
  stop: AbortSignal;
  giveBack: AbortSignal;
  remove: () => void;
} {
  const stop = new AbortController();
  const giveBack = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      write(
        ctx.stderr,
        `floe: ${sig}: stopping; no more input is read, the records read are being sent (${sig} again: give them back to the failed-records file)`,
      );
      stop.abort(sig);
    } else if (!giveBack.signal.aborted) {
      write(ctx.stderr, `floe: ${sig} again: writing unacknowledged records to the failed-records file`);
      giveBack.abort(sig);
    } else {
      process.exit(SIGNAL_EXIT[sig] ?? 1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    giveBack: giveBack.signal,
    remove: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The run with an explicit Kinesis API (tests pass a fake or a client for an emulator). */
export async function runProduce(
  ctx: CliContext,
  settings: ProduceCliSettings,
  api?: KinesisApi,
): Promise<number> {
  const kinesis =
    api ??
    sdkKinesisApi(
      createKinesisClient({
        endpoint: settings.endpoint,
        region: settings.region,
        maxSockets: settings.concurrency ?? 8,
        env: ctx.env,
      }),
    );
  const stderr = ctx.stderr as NodeJS.WriteStream;
  let summary: ProduceSummary;
  const interrupts = interruptHandlers(ctx);
  try {
    summary = await produce(settings, {
      api: kinesis,
      stdin: ctx.stdin,
      stop: interrupts.stop,
      giveBack: interrupts.giveBack,
      warn: (m) => write(ctx.stderr, m),
      ...(settings.quiet ? {} : { progress: { out: ctx.stderr, tty: stderr.isTTY === true } }),
    });
  } catch (err) {
    // The stream or the endpoint is unusable: name them.
    const e = err as { name?: string; message?: string };
    if (!(err instanceof FloeError) && e.name !== undefined) {
      throw new FloeError(
        'io',
        `cannot reach stream "${settings.stream}"${settings.endpoint ? ` at ${settings.endpoint}` : ''}: ${e.name}: ${e.message}`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    interrupts.remove();
    if (!api) kinesis.close();
  }
  if (settings.json) write(ctx.stdout, toJsonText(summary));
  else write(ctx.stdout, summaryLines(summary).join('\n'));
  if (summary.error) write(ctx.stderr, `floe: ${summary.error}`);
  const undelivered = summary.failed + summary.unsent;
  if (summary.failed > 0) {
    write(
      ctx.stderr,
      `floe: ${formatCount(summary.failed)} records were not delivered; they are in ${summary.failedRecordsFile}`,
    );
  }
  if (summary.interrupted !== null) return SIGNAL_EXIT[summary.interrupted] ?? 1;
  return summary.error !== null || undelivered > 0 ? 1 : 0;
}

export async function produceCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  return runProduce(ctx, produceSettings(ctx, args));
}
