/**
 * `floe load`: a file (or stdin) into an Iceberg table, as ONE append snapshot, in bounded memory.
 *
 * Order matters for "nothing half-written becomes visible": the input is checked and its first
 * records read (empty input, CSV header vs schema) before any table is created; the batches
 * stream into Table.append, which commits only after the last batch; any failure on the way
 * (too many bad rows, malformed CSV) aborts the append, which deletes its files; and a table this
 * run created is dropped again when the load fails.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readConfigText } from '../config-file.js';
import { FloeError, isFloeError } from '../errors.js';
import {
  identifierToString,
  parseTableIdentifier,
  type Catalog,
  type TableIdentifier,
} from '../iceberg/catalog.js';
import type { PartitionSpec, Snapshot } from '../iceberg/spec/model.js';
import { parsePartitionSpec } from '../iceberg/spec/partition.js';
import { Schema } from '../iceberg/spec/schema.js';
import { fieldToJson } from '../iceberg/spec/types.js';
import { Table } from '../iceberg/table/index.js';
import type { ParquetCodec } from '../iceberg/writer/index.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import {
  checkCsvHeader,
  checkInput,
  DEFAULT_BATCH_ROWS,
  DEFAULT_INFER_SAMPLE,
  inferSchema,
  newBatchStats,
  openDecoder,
  RejectedRowsWriter,
  rejectPolicy,
  type RecordFormat,
  type SourceRecord,
} from '../records/index.js';
import { choiceOption, intOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import type { CatalogOptions } from '../catalog/index.js';
import {
  canLoadInParallel,
  canSplit,
  defaultWorkers,
  LoadWorkers,
  PARALLEL_MIN_BYTES,
  writeInParallel,
} from '../load/parallel.js';
import { CATALOG_OPTIONS, catalogOptions, openCatalog, write, type CliContext } from './context.js';
import { badRecordLimit, INPUT_OPTIONS, inputDialect } from './input-options.js';
import { formatBytes, formatCount, formatSeconds, schemaLines, toJsonText } from './format.js';

const CODECS: readonly ParquetCodec[] = ['zstd', 'snappy', 'gzip', 'uncompressed'];

export const loadSpec: CommandSpec = {
  name: 'load',
  summary:
    'Load a CSV, JSON-array or NDJSON file (optionally .gz; - for stdin) into an Iceberg table as one snapshot.',
  usage: '<file|-> --table <ns.name> [options]',
  positionals: [{ name: '<file>', required: true }],
  options: {
    table: {
      type: 'string',
      valueName: '<ns.name>',
      description: 'target table; created when missing',
      short: 't',
    },
    schema: {
      type: 'string',
      valueName: '<file>',
      description: 'Iceberg JSON schema (with field ids) for a new table; default: inferred',
    },
    partition: {
      type: 'string',
      valueName: '<spec>',
      description: "partition spec for a new table, e.g. 'day(created_date), bucket(16, id)'",
    },
    ...CATALOG_OPTIONS,
    ...INPUT_OPTIONS,
    'max-bad-rows': {
      type: 'string',
      valueName: '<N|unlimited>',
      description: 'rejected rows allowed before the load fails (default 0)',
    },
    rejected: {
      type: 'string',
      valueName: '<file>',
      description: 'rejected-rows NDJSON file (default <file>.rejected.ndjson)',
    },
    'batch-rows': {
      type: 'string',
      valueName: '<N>',
      description: `rows per in-memory batch (default ${DEFAULT_BATCH_ROWS})`,
    },
    'infer-rows': {
      type: 'string',
      valueName: '<N>',
      description: `records sampled to infer a schema (default ${DEFAULT_INFER_SAMPLE})`,
    },
    codec: {
      type: 'string',
      valueName: '<codec>',
      description: `Parquet compression: ${CODECS.join(', ')} (default: table property, zstd)`,
    },
    workers: {
      type: 'string',
      valueName: '<N>',
      description: 'threads that decode and write in parallel (default: one per core; 1 = none)',
    },
    json: { type: 'boolean', description: 'print the summary as JSON' },
  },
  details: `Rows that do not fit the schema are rejected: each goes to the rejected-rows file with its line
number and reasons. By default (--max-bad-rows 0) one rejected row fails the load; nothing is
committed and the rejected-rows file says why. With --max-bad-rows N the load fails on the
(N+1)th rejected row and otherwise commits the good rows.

Exit codes: 0 loaded; 2 usage or configuration error (bad flag, bad schema file, CSV header
not matching the table); 1 anything else (missing or malformed input, too many bad rows, I/O).`,
};

export interface LoadSettings {
  input: string;
  table: TableIdentifier;
  schemaPath?: string;
  partition?: string;
  catalog: CatalogOptions;
  format?: RecordFormat;
  delimiter?: string;
  quote?: string;
  maxBadRows: number;
  rejectedPath: string;
  batchRows: number;
  inferRows: number;
  codec?: ParquetCodec;
  /**
   * Decode+write threads (1: the main thread only). Unset: one per core for inputs of at least
   * PARALLEL_MIN_BYTES; set: always (tests use it on small inputs).
   */
  workers?: number;
  json: boolean;
}

export interface LoadSummary {
  table: string;
  input: string;
  format: RecordFormat;
  created: boolean;
  rowsWritten: number;
  rowsRejected: number;
  rejectedFile: string | null;
  dataFiles: number;
  bytes: number;
  snapshotId: string;
  elapsedMs: number;
  rowsPerSecond: number;
}

export function loadSettings(ctx: CliContext, args: ParsedArgs): LoadSettings {
  const v = args.values;
  const input = args.positionals[0] as string;
  if (typeof v.table !== 'string') throw usageError(loadSpec, 'missing --table <ns.name>');
  let table: TableIdentifier;
  try {
    table = parseTableIdentifier(v.table);
  } catch (err) {
    throw usageError(loadSpec, (err as Error).message);
  }
  const maxBadRows = badRecordLimit(loadSpec, 'max-bad-rows', v['max-bad-rows'] as string | undefined);
  const dialect = inputDialect(loadSpec, v, input);
  const codecText = v.codec === 'none' ? 'uncompressed' : (v.codec as string | undefined);
  const settings: LoadSettings = {
    input,
    table,
    catalog: catalogOptions(ctx, v),
    maxBadRows,
    rejectedPath: resolve(
      ctx.cwd,
      (v.rejected as string | undefined) ??
        (input === '-' ? 'stdin.rejected.ndjson' : `${input}.rejected.ndjson`),
    ),
    batchRows:
      v['batch-rows'] === undefined
        ? DEFAULT_BATCH_ROWS
        : intOption(loadSpec, 'batch-rows', v['batch-rows'] as string, 1),
    inferRows:
      v['infer-rows'] === undefined
        ? DEFAULT_INFER_SAMPLE
        : intOption(loadSpec, 'infer-rows', v['infer-rows'] as string, 1),
    json: v.json === true,
  };
  if (input !== '-') settings.input = resolve(ctx.cwd, input);
  if (typeof v.schema === 'string') settings.schemaPath = resolve(ctx.cwd, v.schema);
  if (typeof v.partition === 'string') settings.partition = v.partition;
  if (v.workers !== undefined) settings.workers = intOption(loadSpec, 'workers', v.workers as string, 1);
  Object.assign(settings, dialect);
  if (codecText !== undefined) settings.codec = choiceOption(loadSpec, 'codec', codecText, CODECS);
  return settings;
}

/** Reads and validates an Iceberg JSON schema file; every problem is a one-line config error. */
export async function readSchemaFile(path: string): Promise<Schema> {
  const text = await readConfigText(path, 'schema file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FloeError('config', `schema file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  let schema: Schema;
  try {
    schema = Schema.fromJson(json);
  } catch (err) {
    if (isFloeError(err)) throw new FloeError('config', `schema file ${path}: ${err.message}`);
    throw err;
  }
  if (schema.fields.length === 0)
    throw new FloeError('config', `schema file ${path}: the schema has no fields`);
  const o = json as Record<string, unknown>;
  if (o.type !== undefined && o.type !== 'struct')
    throw new FloeError('config', `schema file ${path}: "type" must be "struct"`);
  for (const f of schema.fields) {
    if (f.id < 1) throw new FloeError('config', `schema file ${path}: field "${f.name}" needs a positive id`);
  }
  return schema;
}

function sameFields(a: Schema, b: Schema): boolean {
  return JSON.stringify(a.fields.map(fieldToJson)) === JSON.stringify(b.fields.map(fieldToJson));
}

function sameSpec(a: PartitionSpec, b: PartitionSpec): boolean {
  const key = (s: PartitionSpec): string =>
    JSON.stringify(s.fields.map((f) => [f.sourceId, f.transform, f.name]));
  return key(a) === key(b);
}

async function* concat<T>(head: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

async function ensureNamespace(catalog: Catalog, namespace: readonly string[]): Promise<void> {
  if (await catalog.namespaceExists(namespace)) return;
  try {
    await catalog.createNamespace(namespace);
  } catch (err) {
    if (!isFloeError(err, 'already-exists')) throw err;
  }
}

async function largeEnough(path: string): Promise<boolean> {
  const size = (await stat(path)).size;
  const compressed = path.endsWith('.gz');
  return size * (compressed ? 4 : 1) >= PARALLEL_MIN_BYTES;
}

/**
 * Workers started before the table and format are known, when the load will probably run in
 * parallel: their start-up then overlaps the catalog, sampling and table creation. Workers pay
 * off for large files (not stdin: it cannot be read again after sampling); `--workers N` asks
 * for them whatever the size.
 */
async function earlyWorkers(settings: LoadSettings): Promise<LoadWorkers | undefined> {
  const count = settings.workers ?? defaultWorkers();
  if (settings.input === '-' || count < 2) return undefined;
  if (settings.workers === undefined && !(await largeEnough(settings.input))) return undefined;
  return LoadWorkers.start(count);
}

/**
 * The format to load with the early workers, or undefined for the main thread alone: CSV or
 * NDJSON (a JSON array cannot be cut into pieces without parsing it), cut bytewise, into a table
 * a worker can write.
 */
function parallelFormat(
  pool: LoadWorkers | undefined,
  settings: LoadSettings,
  format: RecordFormat,
  table: Table,
): 'csv' | 'ndjson' | undefined {
  if (pool === undefined) return undefined;
  if (format !== 'csv' && format !== 'ndjson') return undefined;
  // A quote that is not one byte cannot be found by the byte splitter: one thread reads it.
  if (!canSplit(format, settings.quote)) return undefined;
  return canLoadInParallel(table) ? format : undefined;
}

export async function runLoad(
  ctx: CliContext,
  settings: LoadSettings,
  started = Date.now(),
): Promise<LoadSummary> {
  const name = settings.input === '-' ? 'stdin' : settings.input;
  await checkInput(settings.input);
  const pool = await earlyWorkers(settings);
  try {
    return await loadWith(ctx, settings, started, name, pool);
  } finally {
    // Unused (a one-thread load, a failure before the pieces) or finished: stop them.
    await pool?.close();
  }
}

async function loadWith(
  ctx: CliContext,
  settings: LoadSettings,
  started: number,
  name: string,
  pool: LoadWorkers | undefined,
): Promise<LoadSummary> {
  const fileSchema = settings.schemaPath ? await readSchemaFile(settings.schemaPath) : undefined;
  const catalog = openCatalog(ctx, settings.catalog);
  const exists = await catalog.tableExists(settings.table);
  let table = exists ? await Table.load(catalog, settings.table) : undefined;

  const source = await openDecoder(settings.input, {
    ...(settings.format ? { format: settings.format } : {}),
    csv: {
      ...(settings.delimiter ? { delimiter: settings.delimiter } : {}),
      ...(settings.quote ? { quote: settings.quote } : {}),
    },
    ...(settings.input === '-' ? { stdin: ctx.stdin } : {}),
  });
  // Read ahead: the first record (empty input?) and, when inferring, the whole sample. The
  // decoder keeps these records and converts them first when the batches start.
  const sampleSize = !table && !fileSchema ? settings.inferRows : 1;
  let head: readonly SourceRecord[];
  try {
    head = await source.sample(sampleSize);
  } catch (err) {
    await source.close().catch(() => undefined);
    throw err;
  }
  if (head.length === 0) {
    await source.close();
    throw new FloeError(
      'input',
      `${name} has no records to load (empty file${source.format === 'csv' ? ' or header only' : ''}); nothing was written`,
    );
  }

  let schema: Schema;
  if (table) {
    schema = table.schema;
    if (fileSchema && !sameFields(fileSchema, schema)) {
      throw new FloeError(
        'config',
        `table ${identifierToString(settings.table)} exists with a different schema than ${settings.schemaPath}`,
      );
    }
  } else if (fileSchema) {
    schema = fileSchema;
  } else {
    schema = inferSchema(head);
  }
  const first = head[0] as SourceRecord;
  if (first.kind === 'csv') checkCsvHeader(first.header, schema, name);

  let spec: PartitionSpec | undefined;
  if (settings.partition !== undefined) {
    try {
      spec = parsePartitionSpec(settings.partition, schema);
    } catch (err) {
      if (isFloeError(err)) throw new FloeError('usage', `--partition: ${err.message}`);
      throw err;
    }
    if (table && !sameSpec(spec, table.spec)) {
      throw new FloeError(
        'config',
        `table ${identifierToString(settings.table)} exists with a different partition spec than --partition ${settings.partition}`,
      );
    }
  }

  if (!table && !fileSchema) {
    // Printed once the schema proved usable (header and --partition checked), so errors stay one line.
    const what = `the first ${formatCount(head.length)} record${head.length === 1 ? '' : 's'}`;
    write(ctx.stderr, [`floe: no --schema given; inferred from ${what}:`, ...schemaLines(schema)].join('\n'));
  }

  let created = false;
  if (!table) {
    await ensureNamespace(catalog, settings.table.namespace);
    try {
      table = await Table.create(catalog, {
        identifier: settings.table,
        schema,
        ...(spec ? { partitionSpec: spec } : {}),
      });
      created = true;
    } catch (err) {
      if (!isFloeError(err, 'already-exists')) throw err;
      table = await Table.load(catalog, settings.table); // another loader won the race
      if (!sameFields(table.schema, schema)) {
        throw new FloeError(
          'config',
          `table ${identifierToString(settings.table)} was just created by someone else with a different schema`,
        );
      }
    }
  }

  const rejectedWriter = new RejectedRowsWriter(settings.rejectedPath);
  const stats = newBatchStats();
  const onReject = rejectPolicy({
    maxBadRows: settings.maxBadRows,
    writer: rejectedWriter,
    limitName: '--max-bad-rows',
  });
  const snapshotSummary = (): Record<string, string> => ({
    'floe.load.rows-rejected': String(stats.rowsRejected),
  });
  const allRejected = (): FloeError =>
    new FloeError(
      'input',
      `all ${formatCount(stats.rowsRejected)} rows of ${name} were rejected; nothing was written`,
    );
  const target = table;

  /** Decodes and writes on the main thread, streaming batches into one append. */
  const sequential = async (): Promise<Snapshot> => {
    const batchIterable = source.batches({
      schema: target.schema,
      batchRows: settings.batchRows,
      stats,
      inputName: name,
      onReject,
    });
    const batches = batchIterable[Symbol.asyncIterator]();
    // Peek: an input whose every row was rejected (within the limit) must not commit an empty snapshot.
    const firstBatch = await batches.next();
    if (firstBatch.done) throw allRejected();
    return target.append(concat<ColumnBatch>([firstBatch.value], batches), {
      summary: snapshotSummary(),
      ...(settings.codec ? { writer: { codec: settings.codec } } : {}),
    });
  };

  /** Worker threads decode and write pieces of the file; one append of all their files. */
  const parallel = async (format: 'csv' | 'ndjson', workers: LoadWorkers): Promise<Snapshot> => {
    await source.close();
    const files = await writeInParallel({
      path: settings.input,
      format,
      csv: {
        ...(settings.delimiter ? { delimiter: settings.delimiter } : {}),
        ...(settings.quote ? { quote: settings.quote } : {}),
      },
      ...(first.kind === 'csv' ? { header: first.header } : {}),
      table: target,
      inputName: name,
      workers: workers.threads.length,
      pool: workers,
      ...(settings.codec ? { codec: settings.codec } : {}),
      batchRows: settings.batchRows,
      onReject,
      stats,
    });
    if (stats.rowsAccepted === 0) throw allRejected();
    return target.appendWrittenFiles(files, { summary: snapshotSummary() });
  };

  let snapshot: Snapshot;
  try {
    const format = parallelFormat(pool, settings, source.format, table);
    snapshot = format && pool ? await parallel(format, pool) : await sequential();
  } catch (err) {
    await source.close().catch(() => undefined);
    if (created) await catalog.dropTable(settings.table, { purge: true }).catch(() => undefined);
    await rejectedWriter.close().catch(() => undefined);
    if (isFloeError(err) && rejectedWriter.count > 0) {
      throw new FloeError(
        err.kind,
        `${err.message}; nothing was committed (rejected rows: ${settings.rejectedPath})`,
        { cause: err },
      );
    }
    throw err;
  }
  await rejectedWriter.close();

  const elapsedMs = Date.now() - started;
  const summary: LoadSummary = {
    table: identifierToString(settings.table),
    input: name,
    format: source.format,
    created,
    rowsWritten: stats.rowsAccepted,
    rowsRejected: stats.rowsRejected,
    rejectedFile: rejectedWriter.count > 0 ? settings.rejectedPath : null,
    dataFiles: Number(snapshot.summary['added-data-files'] ?? 0),
    bytes: Number(snapshot.summary['added-files-size'] ?? 0),
    snapshotId: snapshot.snapshotId.toString(),
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? Math.round((stats.rowsAccepted * 1000) / elapsedMs) : stats.rowsAccepted,
  };
  return summary;
}

export function summaryText(s: LoadSummary): string {
  const lines = [
    `loaded ${s.input} into ${s.table}${s.created ? ' (new table)' : ''}`,
    `  rows written   ${formatCount(s.rowsWritten)}`,
    `  rows rejected  ${formatCount(s.rowsRejected)}${s.rejectedFile ? ` (see ${s.rejectedFile})` : ''}`,
    `  data files     ${formatCount(s.dataFiles)}`,
    `  bytes          ${formatBytes(s.bytes)}`,
    `  snapshot       ${s.snapshotId}`,
    `  elapsed        ${formatSeconds(s.elapsedMs)} (${formatCount(s.rowsPerSecond)} rows/s)`,
  ];
  return lines.join('\n');
}

export async function loadCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const settings = loadSettings(ctx, args);
  const summary = await runLoad(ctx, settings, started);
  write(ctx.stdout, settings.json ? toJsonText(summary) : summaryText(summary));
  return 0;
}
