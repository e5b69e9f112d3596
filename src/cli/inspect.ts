/** `floe tables` and `floe inspect`: what is in the warehouse, read from metadata and manifests. */
import {
  identifierToString,
  parseTableIdentifier,
  type Catalog,
  type TableIdentifier,
} from '../iceberg/catalog.js';
import { readManifest, readManifestList } from '../iceberg/manifest/index.js';
import type { DataFile, PartitionSpec, Snapshot, TableMetadata } from '../iceberg/spec/model.js';
import { partitionSpecToJson } from '../iceberg/spec/partition.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { parseTransform } from '../iceberg/spec/transforms.js';
import { isPrimitive, type Value } from '../iceberg/spec/types.js';
import type { FileIO } from '../iceberg/io/fileio.js';
import { intOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import {
  CATALOG_OPTIONS,
  catalogLabel,
  catalogOptions,
  openCatalog,
  write,
  type CliContext,
} from './context.js';
import { formatBytes, formatCount, schemaLines, specLines, toJsonText } from './format.js';

export const tablesSpec: CommandSpec = {
  name: 'tables',
  summary: 'List the tables of a warehouse, one ns.name per line.',
  usage: '[--warehouse <dir>] [--catalog <kind>] [--json]',
  positionals: [],
  options: {
    ...CATALOG_OPTIONS,
    json: { type: 'boolean', description: 'print a JSON array of names' },
  },
};

export const inspectSpec: CommandSpec = {
  name: 'inspect',
  summary:
    'Show a table: schema, partition spec, properties, snapshots with summaries, data files of the current snapshot.',
  usage: '<ns.name> [--warehouse <dir>] [--catalog <kind>] [--json] [--files <N>]',
  positionals: [{ name: '<ns.name>', required: true }],
  options: {
    ...CATALOG_OPTIONS,
    json: { type: 'boolean', description: 'print everything as JSON (int64 ids as strings)' },
    files: {
      type: 'string',
      valueName: '<N>',
      description: 'data files listed in text output (default 20; JSON lists all)',
    },
  },
};

async function allTables(catalog: Catalog): Promise<TableIdentifier[]> {
  const out: TableIdentifier[] = [];
  const visit = async (parent: readonly string[] | undefined): Promise<void> => {
    for (const ns of await catalog.listNamespaces(parent)) {
      out.push(...(await catalog.listTables(ns)));
      await visit(ns);
    }
  };
  await visit(undefined);
  return out.sort((a, b) => identifierToString(a).localeCompare(identifierToString(b)));
}

export async function tablesCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const options = catalogOptions(ctx, args.values);
  const tables = (await allTables(openCatalog(ctx, options))).map(identifierToString);
  if (args.values.json === true) write(ctx.stdout, JSON.stringify(tables));
  else if (tables.length === 0) write(ctx.stderr, `floe: no tables in ${catalogLabel(options)}`);
  else write(ctx.stdout, tables.join('\n'));
  return 0;
}

function currentSchema(metadata: TableMetadata): Schema {
  return (
    metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId) ?? (metadata.schemas[0] as Schema)
  );
}

function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  return metadata.currentSnapshotId === null
    ? undefined
    : metadata.snapshots.find((s) => s.snapshotId === metadata.currentSnapshotId);
}

async function liveDataFiles(io: FileIO, snapshot: Snapshot | undefined): Promise<DataFile[]> {
  if (!snapshot) return [];
  const files: DataFile[] = [];
  for (const manifest of await readManifestList(io, snapshot.manifestList)) {
    if (manifest.content !== 0) continue;
    for (const entry of await readManifest(io, manifest)) if (entry.status !== 2) files.push(entry.dataFile);
  }
  return files;
}

function partitionText(spec: PartitionSpec | undefined, schema: Schema, tuple: readonly Value[]): string {
  if (!spec || spec.fields.length === 0) return '';
  return spec.fields
    .map((f, i) => {
      const value = tuple[i] ?? null;
      let text: string;
      try {
        const source = schema.field(f.sourceId)?.type;
        const transform = parseTransform(f.transform);
        text =
          value === null
            ? 'null'
            : source && isPrimitive(source)
              ? transform.toHumanString(source, value)
              : String(value);
      } catch {
        text = String(value);
      }
      return `${f.name}=${text}`;
    })
    .join('/');
}

export async function inspectCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const text = args.positionals[0] as string;
  let id: TableIdentifier;
  try {
    id = parseTableIdentifier(text);
  } catch (err) {
    throw usageError(inspectSpec, (err as Error).message);
  }
  const fileLimit =
    args.values.files === undefined ? 20 : intOption(inspectSpec, 'files', args.values.files as string);
  const loaded = await openCatalog(ctx, catalogOptions(ctx, args.values)).loadTable(id);
  const { metadata } = loaded;
  const schema = currentSchema(metadata);
  const spec = metadata.partitionSpecs.find((s) => s.specId === metadata.defaultSpecId);
  const current = currentSnapshot(metadata);
  const files = await liveDataFiles(loaded.io, current);
  const specsById = new Map(metadata.partitionSpecs.map((s) => [s.specId, s]));

  if (args.values.json === true) {
    write(
      ctx.stdout,
      toJsonText({
        table: identifierToString(id),
        location: metadata.location,
        metadataLocation: loaded.metadataLocation,
        formatVersion: metadata.formatVersion,
        tableUuid: metadata.tableUuid,
        schema: schema.toJson(),
        partitionSpec: spec ? partitionSpecToJson(spec) : null,
        properties: metadata.properties,
        currentSnapshotId: metadata.currentSnapshotId,
        snapshots: metadata.snapshots.map((s) => ({
          snapshotId: s.snapshotId,
          parentSnapshotId: s.parentSnapshotId ?? null,
          sequenceNumber: s.sequenceNumber,
          timestampMs: s.timestampMs,
          manifestList: s.manifestList,
          summary: s.summary,
        })),
        dataFiles: files.map((f) => ({
          path: f.filePath,
          format: f.fileFormat,
          specId: f.specId,
          partition: partitionText(specsById.get(f.specId), schema, f.partition),
          recordCount: f.recordCount,
          fileSizeInBytes: f.fileSizeInBytes,
        })),
      }),
    );
    return 0;
  }

  const lines: string[] = [
    `table      ${identifierToString(id)}`,
    `location   ${metadata.location}`,
    `metadata   ${loaded.metadataLocation}`,
    `uuid       ${metadata.tableUuid} (format v${metadata.formatVersion})`,
    '',
    `schema (id ${schema.schemaId}):`,
    ...schemaLines(schema),
    '',
    `partition spec (id ${spec?.specId ?? 0}):`,
    ...(spec ? specLines(spec, schema) : ['  (unpartitioned)']),
    '',
    'properties:',
    ...Object.entries(metadata.properties).map(([k, v]) => `  ${k} = ${v}`),
    '',
    `snapshots (${metadata.snapshots.length}):`,
  ];
  for (const s of metadata.snapshots) {
    const mark = s.snapshotId === metadata.currentSnapshotId ? ' (current)' : '';
    lines.push(
      `  ${s.snapshotId}${mark}  seq ${s.sequenceNumber}  ${new Date(s.timestampMs).toISOString()}  ${s.summary.operation ?? ''}`,
    );
    for (const [k, v] of Object.entries(s.summary)) if (k !== 'operation') lines.push(`      ${k} = ${v}`);
  }
  const totalRecords = files.reduce((n, f) => n + f.recordCount, 0n);
  const totalBytes = files.reduce((n, f) => n + f.fileSizeInBytes, 0n);
  lines.push(
    '',
    `data files (${formatCount(files.length)}, ${formatCount(totalRecords)} records, ${formatBytes(totalBytes)}):`,
  );
  for (const f of files.slice(0, fileLimit)) {
    const part = partitionText(specsById.get(f.specId), schema, f.partition);
    lines.push(
      `  ${f.filePath}  ${formatCount(f.recordCount)} records  ${formatBytes(f.fileSizeInBytes)}${part ? `  ${part}` : ''}`,
    );
  }
  if (files.length > fileLimit)
    lines.push(`  … ${formatCount(files.length - fileLimit)} more (--files N or --json to list them)`);
  write(ctx.stdout, lines.join('\n'));
  return 0;
}
