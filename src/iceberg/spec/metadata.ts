/**
 * Table metadata v2 JSON: int64-safe read and write, and creation of new table metadata.
 *
 * Written fields and their order follow the Java reference writer (TableMetadataParser), which
 * every engine reads. In particular an absent current snapshot is written as
 * `"current-snapshot-id": -1`, not null or omitted: Java before 1.4 requires the field to be a
 * long, PyIceberg maps -1 to None, and Java/iceberg-rust/DuckDB treat -1 as "no snapshot".
 */
import { FloeError, isFloeError } from '../../errors.js';
import { parseJson, setMember, stringifyJson, toInt, toInt64, type JsonValue } from './json.js';
import type { PartitionSpec, SnapshotRef, SortOrder, TableMetadata } from './model.js';
import {
  lastAssignedFieldId,
  partitionSpecFromJson,
  partitionSpecToJson,
  UNPARTITIONED,
  validatePartitionSpec,
} from './partition.js';
import { Schema } from './schema.js';
import {
  metadataLogFromJson,
  metadataLogToJson,
  snapshotFromJson,
  snapshotLogFromJson,
  snapshotLogToJson,
  snapshotRefFromJson,
  snapshotRefToJson,
  snapshotToJson,
  stringMapFromJson,
} from './snapshot.js';
import { sortOrderFromJson, sortOrderToJson, UNSORTED_ORDER } from './sort-order.js';

export const MAIN_BRANCH = 'main';
/** The sentinel Java writes for "no current snapshot". */
const NO_SNAPSHOT = -1n;

export interface MetadataJsonOptions {
  /** Pretty-print with 2-space indentation (as Java writes metadata files). Default: compact. */
  pretty?: boolean;
}

/** The metadata as a plain JSON object (bigints for int64 fields), e.g. for a REST response body. */
export function tableMetadataToJsonObject(m: TableMetadata): Record<string, unknown> {
  const refs: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(m.refs)) setMember(refs, name, snapshotRefToJson(ref));
  return {
    'format-version': m.formatVersion,
    'table-uuid': m.tableUuid,
    location: m.location,
    'last-sequence-number': m.lastSequenceNumber,
    'last-updated-ms': m.lastUpdatedMs,
    'last-column-id': m.lastColumnId,
    'current-schema-id': m.currentSchemaId,
    schemas: m.schemas.map((s) => s.toJson()),
    'default-spec-id': m.defaultSpecId,
    'partition-specs': m.partitionSpecs.map(partitionSpecToJson),
    'last-partition-id': m.lastPartitionId,
    'default-sort-order-id': m.defaultSortOrderId,
    'sort-orders': m.sortOrders.map(sortOrderToJson),
    properties: { ...m.properties },
    'current-snapshot-id': m.currentSnapshotId ?? NO_SNAPSHOT,
    refs,
    snapshots: m.snapshots.map(snapshotToJson),
    statistics: [],
    'partition-statistics': [],
    'snapshot-log': snapshotLogToJson(m.snapshotLog),
    'metadata-log': metadataLogToJson(m.metadataLog),
    // What other writers put here (statistics files, newer fields) survives a floe commit.
    ...m.extra,
  };
}

/** Top-level keys floe models; every other key is carried through unchanged in `extra`. */
const MODELLED_KEYS = new Set([
  'format-version',
  'table-uuid',
  'location',
  'last-sequence-number',
  'last-updated-ms',
  'last-column-id',
  'current-schema-id',
  'schemas',
  'schema',
  'default-spec-id',
  'partition-specs',
  'partition-spec',
  'last-partition-id',
  'default-sort-order-id',
  'sort-orders',
  'properties',
  'current-snapshot-id',
  'refs',
  'snapshots',
  'snapshot-log',
  'metadata-log',
]);

export function tableMetadataToJson(metadata: TableMetadata, options: MetadataJsonOptions = {}): string {
  return stringifyJson(tableMetadataToJsonObject(metadata), { indent: options.pretty ? 2 : 0 });
}

export function tableMetadataFromJson(text: string): TableMetadata {
  return tableMetadataFromJsonObject(parseJson(text));
}

function invalid(message: string): FloeError {
  return new FloeError('invalid-metadata', `table metadata: ${message}`);
}

function required(o: Record<string, unknown>, key: string): unknown {
  const v = o[key];
  if (v === undefined || v === null) throw invalid(`missing required field "${key}"`);
  return v;
}

function array(o: Record<string, unknown>, key: string, optional = false): unknown[] {
  const v = o[key];
  if ((v === undefined || v === null) && optional) return [];
  if (!Array.isArray(v)) throw invalid(`"${key}" must be an array`);
  return v;
}

/** Schema files raise 'config' errors; inside table metadata the same problem is corrupt metadata. */
function asMetadataError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isFloeError(e, 'config'))
      throw new FloeError('invalid-metadata', `table metadata: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Reads parsed metadata JSON (from parseJson, so int64 fields may be bigint). */
export function tableMetadataFromJsonObject(json: JsonValue | unknown): TableMetadata {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw invalid('must be a JSON object');
  const o = json as Record<string, unknown>;

  const formatVersion = toInt(required(o, 'format-version'), 'format-version');
  if (formatVersion !== 2) {
    throw new FloeError(
      'unsupported',
      `table metadata format-version ${formatVersion} is not supported (floe reads and writes v2)`,
    );
  }
  const tableUuid = required(o, 'table-uuid');
  const location = required(o, 'location');
  if (typeof tableUuid !== 'string') throw invalid('"table-uuid" must be a string');
  if (typeof location !== 'string') throw invalid('"location" must be a string');

  const schemas = asMetadataError(() => array(o, 'schemas').map((s) => Schema.fromJson(s)));
  const currentSchemaId = toInt(required(o, 'current-schema-id'), 'current-schema-id');
  if (!schemas.some((s) => s.schemaId === currentSchemaId))
    throw invalid(`current-schema-id ${currentSchemaId} is not among the schemas`);

  const partitionSpecs = array(o, 'partition-specs').map(partitionSpecFromJson);
  const defaultSpecId = toInt(required(o, 'default-spec-id'), 'default-spec-id');
  if (!partitionSpecs.some((s) => s.specId === defaultSpecId))
    throw invalid(`default-spec-id ${defaultSpecId} is not among the partition specs`);

  const sortOrders = array(o, 'sort-orders').map(sortOrderFromJson);
  const defaultSortOrderId = toInt(required(o, 'default-sort-order-id'), 'default-sort-order-id');
  if (!sortOrders.some((s) => s.orderId === defaultSortOrderId)) {
    throw invalid(`default-sort-order-id ${defaultSortOrderId} is not among the sort orders`);
  }

  const snapshots = array(o, 'snapshots', true).map(snapshotFromJson);
  const rawCurrent = o['current-snapshot-id'];
  let currentSnapshotId: bigint | null =
    rawCurrent === undefined || rawCurrent === null ? null : toInt64(rawCurrent, 'current-snapshot-id');
  if (currentSnapshotId === NO_SNAPSHOT) currentSnapshotId = null;
  if (currentSnapshotId !== null && !snapshots.some((s) => s.snapshotId === currentSnapshotId)) {
    throw invalid(`current-snapshot-id ${currentSnapshotId} is not among the snapshots`);
  }

  const refs: Record<string, SnapshotRef> = {};
  const rawRefs = o.refs;
  if (rawRefs !== undefined && rawRefs !== null) {
    if (typeof rawRefs !== 'object' || Array.isArray(rawRefs)) throw invalid('"refs" must be an object');
    for (const [name, r] of Object.entries(rawRefs)) setMember(refs, name, snapshotRefFromJson(r, name));
  } else if (currentSnapshotId !== null) {
    // Metadata from writers that predate refs: main is the current snapshot (as Java reads it).
    refs[MAIN_BRANCH] = { snapshotId: currentSnapshotId, type: 'branch' };
  }

  return {
    formatVersion: 2,
    tableUuid,
    location,
    lastSequenceNumber: toInt64(required(o, 'last-sequence-number'), 'last-sequence-number'),
    lastUpdatedMs: toInt(required(o, 'last-updated-ms'), 'last-updated-ms'),
    lastColumnId: toInt(required(o, 'last-column-id'), 'last-column-id'),
    schemas,
    currentSchemaId,
    partitionSpecs,
    defaultSpecId,
    lastPartitionId: toInt(required(o, 'last-partition-id'), 'last-partition-id'),
    properties:
      o.properties === undefined || o.properties === null
        ? {}
        : stringMapFromJson(o.properties, 'properties'),
    currentSnapshotId,
    snapshots,
    snapshotLog: snapshotLogFromJson(o['snapshot-log']),
    metadataLog: metadataLogFromJson(o['metadata-log']),
    sortOrders,
    defaultSortOrderId,
    refs,
    ...extraMembers(o),
  };
}

function extraMembers(o: Record<string, unknown>): { extra?: Record<string, unknown> } {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(o)) {
    if (MODELLED_KEYS.has(key)) continue;
    // Empty statistics lists are what floe writes itself; only carry real content.
    if (
      (key === 'statistics' || key === 'partition-statistics') &&
      Array.isArray(value) &&
      value.length === 0
    )
      continue;
    setMember(extra, key, value);
    any = true;
  }
  return any ? { extra } : {};
}

export interface NewTableOptions {
  schema: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  location: string;
  properties?: Record<string, string>;
  tableUuid?: string;
  nowMs?: number;
}

/** Metadata of a new, empty v2 table; field ids are kept as given (schema files carry them). */
export function newTableMetadata(options: NewTableOptions): TableMetadata {
  const { schema } = options;
  const spec = options.spec ?? UNPARTITIONED;
  const sortOrder = options.sortOrder ?? UNSORTED_ORDER;
  // Java strips trailing slashes so that data paths never contain '//'.
  const location = options.location.replace(/\/+$/, '');
  if (location === '') throw new FloeError('config', 'table location must not be empty');
  // Fail here, not at the first write, when the spec does not fit the schema.
  validatePartitionSpec(spec, schema);
  for (const f of sortOrder.fields) {
    if (!schema.field(f.sourceId))
      throw new FloeError('config', `sort order ${sortOrder.orderId}: no column with id ${f.sourceId}`);
  }
  if (sortOrder.fields.length === 0 && sortOrder.orderId !== 0) {
    throw new FloeError('config', 'an unsorted sort order must have order id 0');
  }
  return {
    formatVersion: 2,
    tableUuid: options.tableUuid ?? crypto.randomUUID(),
    location,
    lastSequenceNumber: 0n,
    lastUpdatedMs: options.nowMs ?? Date.now(),
    lastColumnId: schema.highestFieldId,
    schemas: [schema],
    currentSchemaId: schema.schemaId,
    partitionSpecs: [spec],
    defaultSpecId: spec.specId,
    lastPartitionId: lastAssignedFieldId(spec),
    properties: { ...options.properties },
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [sortOrder],
    defaultSortOrderId: sortOrder.orderId,
    refs: {},
  };
}
