/**
 * `floe consume`: the long-running Kinesis → Iceberg consumer (src/consumer does the work).
 * Settings: a config file (--config or $FLOE_CONFIG), then environment, then flags; a single
 * table can be given entirely by flags. This file picks the concrete Kinesis client, catalog and
 * checkpoint store, creates missing tables, wires SIGTERM/SIGINT to a graceful stop, and maps the
 * outcome to the exit code (0 everything read was committed; 1 not; 2 bad config/flags).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FloeError, isFloeError } from '../errors.js';
import type { Catalog } from '../iceberg/catalog.js';
import { parseTableIdentifier } from '../iceberg/catalog.js';
import { parsePartitionSpec } from '../iceberg/spec/partition.js';
import { Table } from '../iceberg/table/index.js';
import { fileIOFor } from '../iceberg/io/index.js';
import { seedFromTable } from '../records/dedupe/index.js';
import {
  component,
  Consumer,
  createLogger,
  createProcessor,
  type FlushProcessor,
  LocalFileCheckpointStore,
  sdkReadApi,
  type KinesisReadApi,
  type Logger,
  type TableSpec,
} from '../consumer/index.js';
import { loadConfigFile, validateConfig, type ConsumeConfig, type TableConfig } from '../consumer/config.js';
import { inferSchemaFromStream } from '../consumer/infer-schema.js';
import type { Schema } from '../iceberg/spec/schema.js';
import {
  checkEndpoint,
  createKinesisClient,
  endpointFromEnv,
  sdkKinesisApi,
  type KinesisApi,
} from '../producer/index.js';
import { httpSettings, startHttpServer, type HttpServer, type RouteHandler } from '../server/index.js';
import { dashboardRoutes } from '../server/dashboard/index.js';
import { choiceOption, intOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import { CATALOG_OPTIONS, catalogOptions, openCatalog, type CliContext } from './context.js';
import { readSchemaFile } from './load.js';
import { schemaLines } from './format.js';

export const consumeSpec: CommandSpec = {
  name: 'consume',
  summary:
    'Consume Kinesis streams into Iceberg tables, exactly once (long-running; --drain to stop when caught up).',
  usage: '[--config <file>] [--stream <name> --table <ns.name> --schema <file>] [options]',
  positionals: [],
  options: {
    config: {
      type: 'string',
      valueName: '<file>',
      description: 'config file, .json or .yaml (default $FLOE_CONFIG)',
      short: 'c',
    },
    stream: {
      type: 'string',
      valueName: '<name>',
      description: 'source stream (default $FLOE_STREAM)',
      short: 's',
    },
    table: {
      type: 'string',
      valueName: '<ns.name>',
      description: 'target table (default $FLOE_TABLE)',
      short: 't',
    },
    schema: {
      type: 'string',
      valueName: '<file>',
      description:
        'Iceberg schema JSON for a table that does not exist yet (default: inferred from the stream)',
    },
    partition: {
      type: 'string',
      valueName: '<spec>',
      description: 'partition spec for a new table, e.g. "day(created_date)"',
    },
    format: { type: 'string', valueName: '<json|csv>', description: 'payload format (default json)' },
    'dedupe-key': { type: 'string', valueName: '<field>', description: 'drop records repeating this key' },
    rules: {
      type: 'string',
      valueName: '<file>',
      description: 'validation and cleaning rules JSON (see examples/nyc311.rules.json)',
    },
    'dead-letter': {
      type: 'string',
      valueName: '<dir|s3://…>',
      description: 'where rejected records go (default <state-dir>/dead-letters)',
    },
    drain: { type: 'boolean', description: 'stop once every shard is caught up and committed' },
    endpoint: {
      type: 'string',
      valueName: '<url>',
      description: 'Kinesis endpoint (default $AWS_ENDPOINT_URL_KINESIS, $AWS_ENDPOINT_URL)',
    },
    'commit-interval': {
      type: 'string',
      valueName: '<seconds>',
      description: 'flush at least this often (default 10, min 1)',
    },
    'max-batch-records': {
      type: 'string',
      valueName: '<N>',
      description: 'flush at N buffered records (default 250000)',
    },
    'max-batch-bytes': {
      type: 'string',
      valueName: '<N>',
      description: 'flush at N buffered payload bytes (default 64 MiB)',
    },
    'max-buffer-bytes': {
      type: 'string',
      valueName: '<N>',
      description: 'pause reading above N bytes in flight (default 256 MiB)',
    },
    'records-per-call': {
      type: 'string',
      valueName: '<N>',
      description: 'GetRecords limit per call (default 10000, the maximum)',
    },
    'state-dir': {
      type: 'string',
      valueName: '<dir>',
      description: 'local lease/checkpoint store (default ./.floe)',
    },
    'initial-position': {
      type: 'string',
      valueName: '<TRIM_HORIZON|LATEST>',
      description: 'where shards without a checkpoint start',
    },
    'log-level': {
      type: 'string',
      valueName: '<level>',
      description: 'info (default), debug, warn, error, silent',
    },
    'http-port': {
      type: 'string',
      valueName: '<port>',
      description: 'HTTP server port: health, metrics, ingest API, dashboard (default 8080; 0 = any)',
    },
    'http-host': {
      type: 'string',
      valueName: '<address>',
      description: 'HTTP server address (default 127.0.0.1; others need API keys)',
    },
    'no-http': { type: 'boolean', description: 'do not start the HTTP server' },
    ...CATALOG_OPTIONS,
  },
  details: `Every commit's snapshot summary carries the cumulative shard positions
(floe.kinesis.<stream>.<shardId>); on start each table resumes after its committed positions, so a
crash at any instant neither loses nor duplicates records. Logs are JSON lines on stdout.
The HTTP server (GET /health, /ready, /metrics; /api/v1/…; /dashboard/) listens on
127.0.0.1:8080 unless told otherwise; API keys come from FLOE_API_KEYS (comma-separated) or the
file FLOE_API_KEYS_FILE, and are required for any non-loopback address.
Environment: FLOE_CONFIG, FLOE_STREAM, FLOE_TABLE, FLOE_COMMIT_INTERVAL, FLOE_LOG_LEVEL,
FLOE_API_KEYS, FLOE_API_KEYS_FILE.
Exit codes: 0 stopped with everything read committed; 1 a commit failed at shutdown; 2 bad config.`,
};

export interface ConsumeSettings {
  readonly config: ConsumeConfig;
  readonly drain: boolean;
  /** GetRecords Limit (KCL's maxRecords). */
  readonly recordsPerCall?: number;
}

function num(spec: CommandSpec, name: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : intOption(spec, name, v, 1);
}

/** Config file, then environment, then flags. Throws usage/config errors (exit 2). */
export async function consumeSettings(ctx: CliContext, args: ParsedArgs): Promise<ConsumeSettings> {
  const v = args.values;
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const env = ctx.env;
  const configPath = str('config') ?? (env.FLOE_CONFIG || undefined);
  const fromFile = configPath ? await loadConfigFile(resolve(ctx.cwd, configPath), env) : undefined;

  const stream = str('stream') ?? (env.FLOE_STREAM || undefined);
  const table = str('table') ?? (env.FLOE_TABLE || undefined);
  let tables: unknown[] = fromFile?.tables ?? [];
  const tableFlags = {
    ...(stream !== undefined ? { stream } : {}),
    ...(table !== undefined ? { table } : {}),
    ...(str('schema') !== undefined ? { schema: resolve(ctx.cwd, str('schema') as string) } : {}),
    ...(str('partition') !== undefined ? { partition: str('partition') } : {}),
    ...(str('format') !== undefined
      ? { format: choiceOption(consumeSpec, 'format', str('format') as string, ['json', 'csv']) }
      : {}),
    ...(str('dedupe-key') !== undefined ? { dedupeKey: str('dedupe-key') } : {}),
    ...(str('rules') !== undefined ? { rules: resolve(ctx.cwd, str('rules') as string) } : {}),
    ...(str('initial-position') !== undefined
      ? {
          initialPosition: choiceOption(consumeSpec, 'initial-position', str('initial-position') as string, [
            'TRIM_HORIZON',
            'LATEST',
          ]),
        }
      : {}),
  };
  if (Object.keys(tableFlags).length > 0) {
    if (tables.length > 1) throw usageError(consumeSpec, 'table flags need a config with at most one table');
    tables = [{ ...(tables[0] as object | undefined), ...tableFlags }];
  }
  if (tables.length === 0)
    throw usageError(consumeSpec, 'say what to consume: --stream and --table, or --config');
  const t0 = tables[0] as Partial<TableConfig>;
  if (tables.length === 1 && t0.stream === undefined) throw usageError(consumeSpec, 'missing --stream');
  if (tables.length === 1 && t0.table === undefined) throw usageError(consumeSpec, 'missing --table');

  const interval = str('commit-interval') ?? (env.FLOE_COMMIT_INTERVAL || undefined);
  let commitIntervalSeconds: number | undefined;
  if (interval !== undefined) {
    commitIntervalSeconds = Number(interval);
    if (!Number.isFinite(commitIntervalSeconds) || commitIntervalSeconds < 1)
      throw usageError(
        consumeSpec,
        `--commit-interval must be a number of seconds >= 1, got ${JSON.stringify(interval)}`,
      );
  }
  const endpoint = str('endpoint') ?? fromFile?.kinesis.endpoint ?? endpointFromEnv(env);
  if (endpoint !== undefined) {
    try {
      checkEndpoint(endpoint);
    } catch (err) {
      throw usageError(consumeSpec, (err as Error).message);
    }
  }
  const batching = {
    ...fromFile?.batching,
    ...(commitIntervalSeconds !== undefined ? { commitIntervalSeconds } : {}),
    ...(str('max-batch-records') !== undefined
      ? { maxBatchRecords: num(consumeSpec, 'max-batch-records', str('max-batch-records')) }
      : {}),
    ...(str('max-batch-bytes') !== undefined
      ? { maxBatchBytes: num(consumeSpec, 'max-batch-bytes', str('max-batch-bytes')) }
      : {}),
    ...(str('max-buffer-bytes') !== undefined
      ? { maxBufferBytes: num(consumeSpec, 'max-buffer-bytes', str('max-buffer-bytes')) }
      : {}),
  };
  const catalogFlags = Object.fromEntries(
    Object.keys(CATALOG_OPTIONS)
      .filter((k) => v[k] !== undefined)
      .map((k) => [k, v[k]]),
  );
  const raw = {
    kinesis: {
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...((str('region') ?? fromFile?.kinesis.region) !== undefined
        ? { region: str('region') ?? fromFile?.kinesis.region }
        : {}),
    },
    catalog: { ...fromFile?.catalog, ...catalogFlags },
    ...((str('state-dir') ?? fromFile?.stateDir) !== undefined
      ? { stateDir: resolve(ctx.cwd, (str('state-dir') ?? fromFile?.stateDir) as string) }
      : {}),
    ...(str('dead-letter') !== undefined
      ? {
          deadLetter: /^[a-z][a-z0-9+.-]*:\/\//i.test(str('dead-letter') as string)
            ? str('dead-letter')
            : resolve(ctx.cwd, str('dead-letter') as string),
        }
      : fromFile?.deadLetter !== undefined
        ? { deadLetter: fromFile.deadLetter }
        : {}),
    batching,
    logLevel: str('log-level') ?? (env.FLOE_LOG_LEVEL || undefined) ?? fromFile?.logLevel ?? 'info',
    server: {
      ...fromFile?.server,
      ...(v['no-http'] === true ? { enabled: false } : {}),
      ...(str('http-host') !== undefined ? { host: str('http-host') } : {}),
      ...(str('http-port') !== undefined
        ? { port: intOption(consumeSpec, 'http-port', str('http-port') as string, 0) }
        : {}),
    },
    tables,
  };
  // Flags were checked one by one; this reports what only the whole can tell (e.g. a bad table name).
  // Interpolation already happened for the file; flag values are taken literally.
  const config = validateConfig(raw, {}, configPath ?? 'flags');
  const recordsPerCall = num(consumeSpec, 'records-per-call', str('records-per-call'));
  if (recordsPerCall !== undefined && recordsPerCall > 10_000)
    throw usageError(consumeSpec, `--records-per-call must be at most 10000, got ${recordsPerCall}`);
  return { config, drain: v.drain === true, ...(recordsPerCall !== undefined ? { recordsPerCall } : {}) };
}

async function ensureNamespace(catalog: Catalog, namespace: readonly string[]): Promise<void> {
  if (await catalog.namespaceExists(namespace)) return;
  try {
    await catalog.createNamespace(namespace);
  } catch (err) {
    if (!isFloeError(err, 'already-exists')) throw err;
  }
}

/**
 * Loads the table, or creates it from the configured schema file (else the schema `infer`
 * finds, e.g. from the stream's first records) and partition spec.
 */
export async function ensureTable(
  catalog: Catalog,
  t: TableConfig,
  infer?: () => Promise<Schema>,
): Promise<Table> {
  const identifier = parseTableIdentifier(t.table);
  if (await catalog.tableExists(identifier)) return Table.load(catalog, identifier);
  if (t.schema === undefined && !infer) {
    throw new FloeError(
      'config',
      `table ${t.table} does not exist: give its schema file (--schema or "schema" in the config)`,
    );
  }
  const schema =
    t.schema !== undefined ? await readSchemaFile(t.schema) : await (infer as () => Promise<Schema>)();
  let partitionSpec;
  if (t.partition !== undefined) {
    try {
      partitionSpec = parsePartitionSpec(t.partition, schema);
    } catch (err) {
      if (isFloeError(err)) throw new FloeError('config', `table ${t.table}: partition: ${err.message}`);
      throw err;
    }
  }
  await ensureNamespace(catalog, identifier.namespace);
  try {
    return await Table.create(catalog, { identifier, schema, ...(partitionSpec ? { partitionSpec } : {}) });
  } catch (err) {
    if (!isFloeError(err, 'already-exists')) throw err;
    return Table.load(catalog, identifier);
  }
}

async function readRules(t: TableConfig): Promise<unknown> {
  if (typeof t.rules !== 'string') return t.rules;
  let text: string;
  try {
    text = await readFile(t.rules, 'utf8');
  } catch (err) {
    throw new FloeError(
      'config',
      `table ${t.table}: cannot read rules file ${t.rules}: ${(err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FloeError(
      'config',
      `table ${t.table}: rules file ${t.rules} is not valid JSON: ${(err as Error).message}`,
    );
  }
}

/** Validation, dedupe and dead letters for one table; the dedupe window is seeded from the table's latest rows. */
async function processorFor(
  t: TableConfig,
  table: Table,
  config: ConsumeConfig,
  stateDir: string,
  log: Logger,
): Promise<FlushProcessor> {
  const rules = await readRules(t);
  const location = config.deadLetter ?? resolve(stateDir, 'dead-letters');
  let processor;
  try {
    processor = createProcessor({
      schema: table.schema,
      table: table.identifier,
      stream: t.stream,
      ...(rules !== undefined ? { rules } : {}),
      ...(t.dedupeKey !== undefined
        ? {
            dedupe: {
              key: t.dedupeKey,
              ...(t.dedupeWindow?.records !== undefined ? { maxKeys: t.dedupeWindow.records } : {}),
              ...(t.dedupeWindow?.seconds !== undefined ? { maxAgeMs: t.dedupeWindow.seconds * 1000 } : {}),
            },
          }
        : {}),
      deadLetter: { location, io: fileIOFor(location) },
    });
  } catch (err) {
    if (isFloeError(err)) throw new FloeError('config', `table ${t.table}: ${err.message}`);
    throw err;
  }
  if (processor.window) {
    const report = await seedFromTable(processor.window, { io: table.io, metadata: table.metadata });
    component(log, 'dedupe', { table: t.table }).info(report, 'dedupe window seeded from the table');
  }
  return processor;
}

export interface RunConsumeOptions {
  /** Kinesis API override (tests); default: the SDK client for the configured endpoint. */
  readonly api?: KinesisReadApi;
  readonly log?: Logger;
  /** Called once the consumer runs (npm start, tests): e.g. to expose health. */
  readonly onStarted?: (consumer: Consumer) => void;
  /** Install SIGTERM/SIGINT handlers (default true). */
  readonly signals?: boolean;
  readonly readerIdleMs?: number;
  /** Route modules mounted on the HTTP server after the built-in routes (default: the dashboard). */
  readonly routes?: readonly RouteHandler[];
  /** The ingest API's PutRecords client override (tests); default: the SDK client. */
  readonly putApi?: KinesisApi;
  /** Called once the HTTP server listens. */
  readonly onHttpStarted?: (server: HttpServer) => void;
}

/**
 * A table without a schema file gets one inferred from its stream's first records (as `floe load`
 * does from a file's). An empty stream is waited for, except in drain mode, where there is
 * nothing to consume and so nothing to infer from.
 */
async function schemaFromStream(
  api: KinesisReadApi,
  t: TableConfig,
  drain: boolean,
  log: Logger,
): Promise<Schema> {
  const cliLog = component(log, 'cli', { table: t.table, stream: t.stream });
  for (let waited = false; ; waited = true) {
    const schema = await inferSchemaFromStream(api, t.stream, {
      format: t.format,
      ...(t.csvHeader ? { csvHeader: t.csvHeader } : {}),
    });
    if (schema) {
      cliLog.info(
        { schema: schemaLines(schema).map((l) => l.trim()) },
        'no schema file: inferred the table schema from the stream',
      );
      return schema;
    }
    if (drain) {
      throw new FloeError(
        'config',
        `table ${t.table} does not exist and stream ${t.stream} has no records to infer its schema from: give a schema file`,
      );
    }
    if (!waited)
      cliLog.info('no schema file and no records yet: waiting for the first records to infer the schema');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function runConsume(
  ctx: CliContext,
  settings: ConsumeSettings,
  options: RunConsumeOptions = {},
): Promise<number> {
  const { config } = settings;
  const log = options.log ?? createLogger({ level: config.logLevel, destination: ctx.stdout });
  // Before anything starts: a missing key file or a keyless public address is a config error.
  const http = await httpSettings(config.server, ctx.env);
  const catalog = openCatalog(ctx, catalogOptions(ctx, config.catalog));
  const stateDir = config.stateDir ?? resolve(ctx.cwd, '.floe');
  const api =
    options.api ??
    sdkReadApi(
      createKinesisClient({
        endpoint: config.kinesis.endpoint,
        region: config.kinesis.region,
        maxSockets: 64,
        env: ctx.env,
      }),
    );
  const tables: TableSpec[] = [];
  for (const t of config.tables) {
    const table = await ensureTable(catalog, t, () => schemaFromStream(api, t, settings.drain, log));
    const processor = await processorFor(t, table, config, stateDir, log);
    const b = config.batching;
    tables.push({
      table,
      catalog,
      stream: t.stream,
      format: t.format,
      ...(t.csvHeader ? { csvHeader: t.csvHeader } : {}),
      initialPosition: t.initialPosition,
      processor,
      batching: {
        ...(b.commitIntervalSeconds !== undefined
          ? { commitIntervalMs: b.commitIntervalSeconds * 1000 }
          : {}),
        ...(b.maxBatchRecords !== undefined ? { maxBatchRecords: b.maxBatchRecords } : {}),
        ...(b.maxBatchBytes !== undefined ? { maxBatchBytes: b.maxBatchBytes } : {}),
        ...(b.maxBufferBytes !== undefined ? { maxBufferBytes: b.maxBufferBytes } : {}),
      },
      reader: {
        ...(options.readerIdleMs !== undefined ? { idleMs: options.readerIdleMs } : {}),
        ...(settings.recordsPerCall !== undefined ? { limit: settings.recordsPerCall } : {}),
      },
    });
  }
  const store = new LocalFileCheckpointStore(stateDir);
  const consumer = new Consumer({ api, store, log, tables });
  const stop = (signal: string): void => {
    log.child({ component: 'cli' }).info({ signal }, 'stopping: flushing and committing');
    void consumer.stop();
  };
  const onTerm = (): void => stop('SIGTERM');
  const onInt = (): void => stop('SIGINT');
  if (options.signals !== false) {
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  }
  let server: HttpServer | undefined;
  let putApi: KinesisApi | undefined;
  // Created with the consumer, so the dashboard's history sees every event from the first commit.
  const routes: readonly (RouteHandler & { close?: () => void })[] = http.enabled
    ? (options.routes ?? [dashboardRoutes({ consumer })])
    : [];
  try {
    const run = consumer.run({ drain: settings.drain });
    // run() may fail (a missing stream) while the server starts: it is awaited below.
    run.catch(() => undefined);
    options.onStarted?.(consumer);
    if (http.enabled) {
      putApi =
        options.putApi ??
        sdkKinesisApi(
          createKinesisClient({
            endpoint: config.kinesis.endpoint,
            region: config.kinesis.region,
            maxSockets: 16,
            env: ctx.env,
          }),
        );
      const namespace = parseTableIdentifier(config.tables[0]!.table).namespace;
      try {
        server = await startHttpServer({
          consumer,
          host: http.host,
          port: http.port,
          apiKeys: http.apiKeys,
          maxBodyBytes: http.maxBodyBytes,
          readiness: { ...http.readiness, catalogCheck: () => catalog.namespaceExists(namespace) },
          ingest: { api: putApi, aggregate: http.ingestAggregate },
          logger: log,
          routes,
        });
        component(log, 'cli').info({ url: server.url }, `HTTP API and dashboard: ${server.url}/dashboard/`);
        options.onHttpStarted?.(server);
      } catch (err) {
        // A busy default port must not stop the consumer (several consumers on one machine);
        // a port someone chose must be free.
        if (http.portGiven || !isFloeError(err, 'io')) {
          await consumer.stop();
          throw err;
        }
        component(log, 'cli').warn(
          { error: (err as Error).message },
          'HTTP server not started: the default port is in use (choose one with --http-port or server.port)',
        );
      }
    }
    const ok = await run;
    return ok ? 0 : 1;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      throw new FloeError('not-found', `stream not found: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await server?.close();
    for (const r of routes) r.close?.();
    if (!options.putApi) putApi?.close();
    if (!options.api) api.close();
  }
}

export async function consumeCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const settings = await consumeSettings(ctx, args);
  return runConsume(ctx, settings);
}
