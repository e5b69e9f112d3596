/**
 * `floe dev` (what `npm start` runs): the whole pipeline on one machine with nothing to set up.
 * Without a Kinesis endpoint in the environment it starts an emulator on 127.0.0.1:4567 (where
 * `floe produce` sends by default), creates the stream `floe-dev`, and consumes it into the bundled
 * NYC 311 example table `demo.nyc311` in ./warehouse, committing every 2 s.
 *
 * The emulator keeps its stream in memory, so every start meets a NEW stream under the old name;
 * src/dev/stream.ts explains why the table's positions for it are then reset (nothing would be
 * skipped, nothing of the old stream survives to be read twice).
 */
import { relative, join, isAbsolute } from 'node:path';
import { FloeError } from '../errors.js';
import { createLogger, type Consumer } from '../consumer/index.js';
import { validateConfig } from '../consumer/config.js';
import { createKinesisClient, DEV_ENDPOINT, DEV_STREAM, endpointFromEnv } from '../producer/index.js';
import {
  ensureStream,
  friendlyLogStream,
  portInUse,
  resetStreamPositions,
  startEmulator,
  type Emulator,
  type EmulatorName,
} from '../dev/index.js';
import { choiceOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import {
  catalogOptions,
  openCatalog,
  packageRoot,
  resolveWarehouse,
  write,
  type CliContext,
} from './context.js';
import { ensureTable, runConsume } from './consume.js';

export const DEV_TABLE = 'demo.nyc311';
export const DEV_SHARDS = 4;
/** The sample has deliberately malformed lines; the producer stops at the first one without this. */
export const PRODUCE_FLAGS = '--max-bad-records unlimited';

export const devSpec: CommandSpec = {
  name: 'dev',
  summary:
    'The embedded dev loop (npm start): a local Kinesis emulator consumed into demo.nyc311 in ./warehouse.',
  usage: '[--warehouse <dir>] [options]',
  positionals: [],
  options: {
    warehouse: {
      type: 'string',
      valueName: '<dir>',
      description: 'warehouse root (default $FLOE_WAREHOUSE or ./warehouse)',
    },
    'commit-interval': {
      type: 'string',
      valueName: '<seconds>',
      description: 'commit at least this often (default 2)',
    },
    emulator: {
      type: 'string',
      valueName: '<kinesis-local|kinesalite>',
      description:
        'which emulator (default $FLOE_DEV_EMULATOR, else kinesis-local with kinesalite as fallback)',
    },
    'json-logs': {
      type: 'boolean',
      description: "print the consumer's JSON log lines instead of a summary per commit",
    },
  },
  details: `With AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL set, no emulator is started: the stream
${DEV_STREAM} is created there when missing. Otherwise the emulator listens on ${DEV_ENDPOINT} only
(loopback) and keeps its stream in memory: a restart starts with an empty stream, while the table
keeps everything committed. Ctrl-C (SIGINT) or SIGTERM commits what was read, stops the emulator and
exits 0.`,
};

function display(ctx: CliContext, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(ctx.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function banner(o: {
  ctx: CliContext;
  warehouse: string;
  deadLetters: string;
  emulator: Emulator | undefined;
  endpoint: string;
  interval: number;
  reset: Record<string, string>;
  defaultWarehouse: boolean;
}): string {
  const w = display(o.ctx, o.warehouse);
  const tablePath = `${o.warehouse.startsWith('s3://') ? o.warehouse : w}/demo/nyc311`;
  const kinesis = o.emulator
    ? `${o.emulator.name} on ${o.endpoint}, stream ${DEV_STREAM} (${DEV_SHARDS} shards), in memory only`
    : `${o.endpoint}, stream ${DEV_STREAM}`;
  const whFlag = o.defaultWarehouse ? '' : ` --warehouse ${w}`;
  const lines = [
    '',
    'floe dev: Kinesis → Iceberg on this machine',
    '',
    `  Kinesis       ${kinesis}`,
    `  Table         ${DEV_TABLE} in ${w} (file catalog), partitioned by day(created_date), deduplicated on unique_key`,
    `  Dead letters  ${display(o.ctx, o.deadLetters)} (rejected rows, with their reasons)`,
    `  Commits       every ${o.interval} s`,
    '',
    'In a second terminal, send the sample (or any CSV/JSON file of NYC 311 rows):',
    `    npm run produce -- examples/nyc311-sample.csv ${PRODUCE_FLAGS}`,
    'Then query the table:',
    `    npx floe inspect ${DEV_TABLE}${whFlag}`,
    `    duckdb -c "INSTALL iceberg; LOAD iceberg; SELECT borough, count(*) FROM iceberg_scan('${tablePath}') GROUP BY 1"`,
    '',
  ];
  if (o.emulator) {
    lines.push(
      'The emulator keeps the stream in memory: after a restart the stream starts empty (send again),',
      `while ${w} keeps every committed row; rows sent again are dropped as duplicates by unique_key.`,
    );
  }
  if (Object.keys(o.reset).length > 0) {
    lines.push(
      `The table's positions in the previous emulator's ${DEV_STREAM} were reset: this is a new stream.`,
    );
  }
  lines.push('Ctrl-C stops: what was read is committed first.', '');
  return lines.join('\n');
}

export async function devCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const v = args.values;
  const warehouseFlag = v.warehouse as string | undefined;
  const warehouse = resolveWarehouse(ctx, warehouseFlag);
  const defaultWarehouse = warehouseFlag === undefined && ctx.env.FLOE_WAREHOUSE === undefined;
  const intervalText = (v['commit-interval'] as string | undefined) ?? '2';
  const interval = Number(intervalText);
  if (!Number.isFinite(interval) || interval < 1) {
    throw usageError(
      devSpec,
      `--commit-interval must be a number of seconds >= 1, got ${JSON.stringify(intervalText)}`,
    );
  }
  const emulatorChoice = (v.emulator as string | undefined) ?? (ctx.env.FLOE_DEV_EMULATOR || undefined);
  const only =
    emulatorChoice === undefined
      ? undefined
      : (choiceOption(devSpec, 'emulator', emulatorChoice, ['kinesis-local', 'kinesalite']) as EmulatorName);
  const examples = join(packageRoot(), 'examples');
  const deadLetters = `${warehouse}/.dead-letters`;
  const configuredEndpoint = endpointFromEnv(ctx.env);

  let emulator: Emulator | undefined;
  let consumer: Consumer | undefined;
  let stopRequested = false;
  let emulatorDied = false;
  const killEmulator = (): void => emulator?.killNow();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // `npm start` forwards the terminal's SIGINT to floe, which the terminal also sends to floe's
    // process group: one Ctrl-C arrives twice. Only a later signal means "stop now".
    if (stopRequested && Date.now() - firstSignalAt < 1500) return;
    if (stopRequested) {
      write(ctx.stderr, `floe dev: ${signal} again: stopping now, without committing what is buffered`);
      killEmulator();
      process.exit(1);
    }
    stopRequested = true;
    firstSignalAt = Date.now();
    write(ctx.stdout, consumer ? 'stopping: committing what was read…' : 'stopping…');
    void consumer?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killEmulator);
  try {
    let endpoint: string;
    if (configuredEndpoint === undefined) {
      const port = Number(new URL(DEV_ENDPOINT).port);
      if (await portInUse(port)) {
        write(
          ctx.stderr,
          `floe dev: 127.0.0.1:${port} is already in use (another floe dev?). Stop it, or use the ` +
            `emulator that runs there with AWS_ENDPOINT_URL_KINESIS=${DEV_ENDPOINT} npm start`,
        );
        return 1;
      }
      write(ctx.stdout, `starting a Kinesis emulator on ${DEV_ENDPOINT}…`);
      emulator = await startEmulator({
        port,
        ...(only ? { only } : {}),
        onMessage: (line) => write(ctx.stderr, `floe dev: ${line}`),
      });
      endpoint = emulator.endpoint;
      void emulator.exited.then(() => {
        if (stopRequested) return;
        emulatorDied = true;
        write(
          ctx.stderr,
          `floe dev: the emulator exited unexpectedly: ${emulator?.output().trim().slice(-300)}`,
        );
        stopRequested = true;
        void consumer?.stop();
      });
    } else {
      endpoint = configuredEndpoint;
    }
    if (stopRequested) return emulatorDied ? 1 : 0;

    const client = createKinesisClient({ endpoint, maxSockets: 4, env: ctx.env });
    let created: boolean;
    try {
      created = (await ensureStream(client, DEV_STREAM, DEV_SHARDS)).created;
    } catch (err) {
      throw new FloeError(
        'io',
        `cannot create the stream ${DEV_STREAM} at ${endpoint}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      client.destroy();
    }
    if (stopRequested) return emulatorDied ? 1 : 0;

    const config = validateConfig(
      {
        kinesis: { endpoint },
        catalog: { catalog: 'file', warehouse },
        deadLetter: deadLetters,
        batching: { commitIntervalSeconds: interval },
        logLevel: ctx.env.FLOE_LOG_LEVEL || 'info',
        tables: [
          {
            table: DEV_TABLE,
            stream: DEV_STREAM,
            schema: join(examples, 'nyc311.schema.json'),
            partition: 'day(created_date)',
            dedupeKey: 'unique_key',
            rules: join(examples, 'nyc311.rules.json'),
          },
        ],
      },
      {},
      'floe dev',
    );
    const catalog = openCatalog(ctx, catalogOptions(ctx, config.catalog));
    const table = await ensureTable(catalog, config.tables[0]!);
    // Only a stream this run created is known to be a new incarnation (see src/dev/stream.ts).
    const reset = created ? await resetStreamPositions(table, DEV_STREAM) : {};
    if (stopRequested) return emulatorDied ? 1 : 0;

    const log = createLogger({
      level: config.logLevel,
      destination: v['json-logs'] === true ? ctx.stdout : friendlyLogStream(ctx.stdout),
    });
    const code = await runConsume(
      ctx,
      { config, drain: false },
      {
        log,
        signals: false,
        onStarted: (c) => {
          consumer = c;
          if (stopRequested) {
            void c.stop();
            return;
          }
          write(
            ctx.stdout,
            banner({ ctx, warehouse, deadLetters, emulator, endpoint, interval, reset, defaultWarehouse }),
          );
        },
      },
    );
    return emulatorDied ? 1 : code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await emulator?.stop();
    process.off('exit', killEmulator);
  }
}
