/**
 * Commit semantics shared by the catalogs that own their metadata files (file, Glue): check a
 * commit's requirements against the current metadata, then apply its updates to produce the next
 * metadata. The rules follow the Iceberg REST protocol and the Java TableMetadata builder, so a
 * commit means the same thing whichever catalog receives it.
 */
import { randomUUID } from 'node:crypto';
import { FloeError } from '../errors.js';
import type { TableRequirement, TableUpdate } from './catalog.js';
import type {
  MetadataLogEntry,
  PartitionSpec,
  Snapshot,
  SnapshotLogEntry,
  SnapshotRef,
  SortOrder,
  TableMetadata,
} from './spec/model.js';
import { MAIN_BRANCH } from './spec/metadata.js';
import type { Schema } from './spec/schema.js';

export const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max';
export const DEFAULT_PREVIOUS_VERSIONS_MAX = 100;
export const DELETE_AFTER_COMMIT = 'write.metadata.delete-after-commit.enabled';

function conflict(message: string, retryable = true): FloeError {
  return new FloeError('commit-conflict', `Requirement failed: ${message}`, { retryable });
}

/**
 * Throws FloeError 'commit-conflict' for the first requirement the current metadata does not meet.
 * Conflicts that a retry on fresh metadata can resolve are retryable; a wrong table (uuid) or an
 * existing table under assert-create is not.
 */
export function checkRequirements(
  base: TableMetadata | null,
  requirements: readonly TableRequirement[],
): void {
  for (const req of requirements) {
    if (req.type === 'assert-create') {
      if (base !== null) throw conflict('table already exists', false);
      continue;
    }
    if (base === null) throw conflict(`table does not exist (${req.type})`, false);
    switch (req.type) {
      case 'assert-table-uuid':
        if (base.tableUuid !== req.uuid) {
          throw conflict(`table uuid is ${base.tableUuid}, expected ${req.uuid}`, false);
        }
        break;
      case 'assert-ref-snapshot-id': {
        const ref = base.refs[req.ref];
        if (req.snapshotId === null) {
          if (ref)
            throw conflict(`ref ${req.ref} was created concurrently (now at snapshot ${ref.snapshotId})`);
        } else if (!ref) {
          throw conflict(`ref ${req.ref} is missing, expected snapshot ${req.snapshotId}`);
        } else if (ref.snapshotId !== req.snapshotId) {
          throw conflict(`ref ${req.ref} is at snapshot ${ref.snapshotId}, expected ${req.snapshotId}`);
        }
        break;
      }
      case 'assert-last-assigned-field-id':
        if (base.lastColumnId !== req.lastAssignedFieldId) {
          throw conflict(
            `last assigned field id is ${base.lastColumnId}, expected ${req.lastAssignedFieldId}`,
          );
        }
        break;
      case 'assert-current-schema-id':
        if (base.currentSchemaId !== req.currentSchemaId) {
          throw conflict(`current schema id is ${base.currentSchemaId}, expected ${req.currentSchemaId}`);
        }
        break;
      case 'assert-last-assigned-partition-id':
        if (base.lastPartitionId !== req.lastAssignedPartitionId) {
          throw conflict(
            `last assigned partition id is ${base.lastPartitionId}, expected ${req.lastAssignedPartitionId}`,
          );
        }
        break;
      case 'assert-default-spec-id':
        if (base.defaultSpecId !== req.defaultSpecId) {
          throw conflict(`default partition spec id is ${base.defaultSpecId}, expected ${req.defaultSpecId}`);
        }
        break;
      case 'assert-default-sort-order-id':
        if (base.defaultSortOrderId !== req.defaultSortOrderId) {
          throw conflict(
            `default sort order id is ${base.defaultSortOrderId}, expected ${req.defaultSortOrderId}`,
          );
        }
        break;
      default: {
        const unknown: never = req;
        throw new FloeError('unsupported', `unknown commit requirement ${JSON.stringify(unknown)}`);
      }
    }
  }
}

export interface ApplyOptions {
  /** Location of `base`'s metadata file: becomes the newest metadata-log entry. */
  metadataLocation?: string;
  nowMs?: number;
}

function invalid(message: string): FloeError {
  return new FloeError('invalid-metadata', `Invalid table update: ${message}`, { retryable: false });
}

/** Starting point for a commit that creates the table (assert-create with a null base). */
function emptyMetadata(nowMs: number): TableMetadata {
  return {
    formatVersion: 2,
    tableUuid: randomUUID(),
    location: '',
    lastSequenceNumber: 0n,
    lastUpdatedMs: nowMs,
    lastColumnId: 0,
    schemas: [],
    currentSchemaId: -1,
    partitionSpecs: [],
    defaultSpecId: -1,
    lastPartitionId: 999,
    properties: {},
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [],
    defaultSortOrderId: -1,
    refs: {},
  };
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);

function sameSchemaStructure(a: Schema, b: Schema): boolean {
  const strip = (s: Schema): string => {
    const { ['schema-id']: _id, ...rest } = s.toJson();
    return JSON.stringify(rest, bigintSafe);
  };
  return strip(a) === strip(b);
}

/** Java's PartitionSpec.compatibleWith: same source, transform and name per field, in order. */
function sameSpecStructure(a: PartitionSpec, b: PartitionSpec): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const g = b.fields[i];
      return g !== undefined && f.sourceId === g.sourceId && f.transform === g.transform && f.name === g.name;
    })
  );
}

function sameSortStructure(a: SortOrder, b: SortOrder): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const g = b.fields[i];
      return (
        g !== undefined &&
        f.sourceId === g.sourceId &&
        f.transform === g.transform &&
        f.direction === g.direction &&
        f.nullOrder === g.nullOrder
      );
    })
  );
}

function sameRef(a: SnapshotRef | undefined, b: SnapshotRef): boolean {
  return (
    a !== undefined &&
    a.snapshotId === b.snapshotId &&
    a.type === b.type &&
    a.maxRefAgeMs === b.maxRefAgeMs &&
    a.maxSnapshotAgeMs === b.maxSnapshotAgeMs &&
    a.minSnapshotsToKeep === b.minSnapshotsToKeep
  );
}

function previousVersionsMax(properties: Readonly<Record<string, string>>): number {
  const raw = properties[PREVIOUS_VERSIONS_MAX];
  if (raw === undefined) return DEFAULT_PREVIOUS_VERSIONS_MAX;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) return DEFAULT_PREVIOUS_VERSIONS_MAX;
  return n;
}

/**
 * The metadata after applying `updates` to `base` (null when the commit creates the table).
 * Pure: `base` is not modified. With no updates, `base` itself is returned (a no-op commit
 * writes no new metadata).
 */
export function applyUpdates(
  base: TableMetadata | null,
  updates: readonly TableUpdate[],
  options: ApplyOptions = {},
): TableMetadata {
  if (base !== null && updates.length === 0) return base;
  const nowMs = options.nowMs ?? Date.now();
  const start = base ?? emptyMetadata(nowMs);

  let tableUuid = start.tableUuid;
  let location = start.location;
  let lastSequenceNumber = start.lastSequenceNumber;
  let lastColumnId = start.lastColumnId;
  const schemas = [...start.schemas];
  let currentSchemaId = start.currentSchemaId;
  const specs = [...start.partitionSpecs];
  let defaultSpecId = start.defaultSpecId;
  let lastPartitionId = start.lastPartitionId;
  const properties: Record<string, string> = { ...start.properties };
  let currentSnapshotId = start.currentSnapshotId;
  let snapshots: Snapshot[] = [...start.snapshots];
  let snapshotLog: SnapshotLogEntry[] = [...start.snapshotLog];
  const sortOrders = [...start.sortOrders];
  let defaultSortOrderId = start.defaultSortOrderId;
  const refs: Record<string, SnapshotRef> = { ...start.refs };

  // Ids added by this commit: "-1" in set-current-schema / set-default-spec / set-default-sort-order means these.
  let lastAddedSchemaId: number | undefined;
  let lastAddedSpecId: number | undefined;
  let lastAddedSortOrderId: number | undefined;
  const addedSnapshots = new Map<bigint, Snapshot>();
  let removedSnapshots = false;
  let lastUpdatedMs = Math.max(nowMs, base?.lastUpdatedMs ?? 0);

  for (const update of updates) {
    switch (update.action) {
      case 'assign-uuid':
        tableUuid = update.uuid;
        break;
      case 'upgrade-format-version':
        if (update.formatVersion !== 2)
          throw invalid(`format version ${String(update.formatVersion)} is not supported`);
        break;
      case 'add-schema': {
        const highest = Math.max(update.lastColumnId ?? 0, update.schema.highestFieldId);
        const existing = schemas.find((s) => sameSchemaStructure(s, update.schema));
        if (existing) {
          lastAddedSchemaId = existing.schemaId;
        } else {
          const id = schemas.reduce((max, s) => Math.max(max, s.schemaId + 1), 0);
          schemas.push(update.schema.schemaId === id ? update.schema : update.schema.withSchemaId(id));
          lastAddedSchemaId = id;
        }
        lastColumnId = Math.max(lastColumnId, highest);
        break;
      }
      case 'set-current-schema': {
        const id = update.schemaId === -1 ? lastAddedSchemaId : update.schemaId;
        if (id === undefined) throw invalid('set-current-schema -1 without an add-schema in the same commit');
        if (!schemas.some((s) => s.schemaId === id)) throw invalid(`schema ${id} does not exist`);
        currentSchemaId = id;
        break;
      }
      case 'add-spec': {
        const existing = specs.find((s) => sameSpecStructure(s, update.spec));
        if (existing) {
          lastAddedSpecId = existing.specId;
        } else {
          const id = specs.reduce((max, s) => Math.max(max, s.specId + 1), 0);
          specs.push({ ...update.spec, specId: id });
          lastAddedSpecId = id;
        }
        for (const f of update.spec.fields) lastPartitionId = Math.max(lastPartitionId, f.fieldId);
        break;
      }
      case 'set-default-spec': {
        const id = update.specId === -1 ? lastAddedSpecId : update.specId;
        if (id === undefined) throw invalid('set-default-spec -1 without an add-spec in the same commit');
        if (!specs.some((s) => s.specId === id)) throw invalid(`partition spec ${id} does not exist`);
        defaultSpecId = id;
        break;
      }
      case 'add-sort-order': {
        const order = update.sortOrder;
        const existing = sortOrders.find((o) => sameSortStructure(o, order));
        if (existing) {
          lastAddedSortOrderId = existing.orderId;
        } else {
          // Order id 0 is reserved for "unsorted".
          const id =
            order.fields.length === 0 ? 0 : sortOrders.reduce((max, o) => Math.max(max, o.orderId + 1), 1);
          sortOrders.push({ ...order, orderId: id });
          lastAddedSortOrderId = id;
        }
        break;
      }
      case 'set-default-sort-order': {
        const id = update.sortOrderId === -1 ? lastAddedSortOrderId : update.sortOrderId;
        if (id === undefined)
          throw invalid('set-default-sort-order -1 without an add-sort-order in the same commit');
        if (!sortOrders.some((o) => o.orderId === id)) throw invalid(`sort order ${id} does not exist`);
        defaultSortOrderId = id;
        break;
      }
      case 'add-snapshot': {
        const snap = update.snapshot;
        if (snapshots.some((s) => s.snapshotId === snap.snapshotId)) {
          // Usually a retry of a commit that did land: retrying again cannot help, re-check instead.
          throw new FloeError('commit-conflict', `snapshot ${snap.snapshotId} already exists`, {
            retryable: false,
          });
        }
        if (snap.parentSnapshotId !== undefined && snap.sequenceNumber <= lastSequenceNumber) {
          throw new FloeError(
            'commit-conflict',
            `snapshot ${snap.snapshotId} has sequence number ${snap.sequenceNumber}, ` +
              `not above the table's last sequence number ${lastSequenceNumber}: another writer committed first`,
          );
        }
        snapshots.push(snap);
        addedSnapshots.set(snap.snapshotId, snap);
        if (snap.sequenceNumber > lastSequenceNumber) lastSequenceNumber = snap.sequenceNumber;
        lastUpdatedMs = Math.max(lastUpdatedMs, snap.timestampMs);
        break;
      }
      case 'set-snapshot-ref': {
        const snap = snapshots.find((s) => s.snapshotId === update.snapshotId);
        if (!snap) throw invalid(`cannot set ref ${update.refName} to unknown snapshot ${update.snapshotId}`);
        if (update.refName === MAIN_BRANCH && update.type !== 'branch')
          throw invalid('main must be a branch');
        const ref: SnapshotRef = {
          snapshotId: update.snapshotId,
          type: update.type,
          ...(update.maxRefAgeMs !== undefined ? { maxRefAgeMs: update.maxRefAgeMs } : {}),
          ...(update.maxSnapshotAgeMs !== undefined ? { maxSnapshotAgeMs: update.maxSnapshotAgeMs } : {}),
          ...(update.minSnapshotsToKeep !== undefined
            ? { minSnapshotsToKeep: update.minSnapshotsToKeep }
            : {}),
        };
        if (sameRef(refs[update.refName], ref)) break;
        refs[update.refName] = ref;
        if (update.refName === MAIN_BRANCH) {
          currentSnapshotId = update.snapshotId;
          // As Java: a snapshot added in this commit is logged at its own timestamp.
          const at = addedSnapshots.get(update.snapshotId)?.timestampMs ?? nowMs;
          snapshotLog.push({ snapshotId: update.snapshotId, timestampMs: at });
        }
        break;
      }
      case 'remove-snapshots': {
        const gone = new Set(update.snapshotIds);
        const before = snapshots.length;
        snapshots = snapshots.filter((s) => !gone.has(s.snapshotId));
        if (snapshots.length === before) break;
        removedSnapshots = true;
        for (const [name, ref] of Object.entries(refs)) if (gone.has(ref.snapshotId)) delete refs[name];
        if (currentSnapshotId !== null && gone.has(currentSnapshotId)) currentSnapshotId = null;
        break;
      }
      case 'remove-snapshot-ref':
        if (!(update.refName in refs)) break;
        delete refs[update.refName];
        if (update.refName === MAIN_BRANCH) currentSnapshotId = null;
        break;
      case 'set-location':
        location = update.location;
        break;
      case 'set-properties':
        Object.assign(properties, update.updates);
        break;
      case 'remove-properties':
        for (const k of update.removals) delete properties[k];
        break;
      default: {
        const unknown: never = update;
        throw new FloeError('unsupported', `unknown table update ${JSON.stringify(unknown, bigintSafe)}`);
      }
    }
  }

  if (removedSnapshots) {
    // As Java: an entry for a removed snapshot invalidates the history before it; keep the valid suffix.
    const live = new Set(snapshots.map((s) => s.snapshotId));
    const kept: SnapshotLogEntry[] = [];
    for (const e of snapshotLog) {
      if (live.has(e.snapshotId)) kept.push(e);
      else kept.length = 0;
    }
    snapshotLog = kept;
  }

  // A table created by this commit gets the unpartitioned spec and unsorted order unless it added its own.
  if (specs.length === 0) specs.push({ specId: 0, fields: [] });
  if (defaultSpecId === -1) defaultSpecId = lastAddedSpecId ?? specs[0]!.specId;
  if (sortOrders.length === 0) sortOrders.push({ orderId: 0, fields: [] });
  if (defaultSortOrderId === -1) defaultSortOrderId = lastAddedSortOrderId ?? sortOrders[0]!.orderId;
  if (currentSchemaId === -1 && lastAddedSchemaId !== undefined) currentSchemaId = lastAddedSchemaId;
  if (!schemas.some((s) => s.schemaId === currentSchemaId))
    throw invalid(`current schema ${currentSchemaId} does not exist`);
  if (location === '') throw invalid('the table has no location (set-location)');

  let metadataLog: MetadataLogEntry[] = [...start.metadataLog];
  if (base !== null && options.metadataLocation !== undefined) {
    metadataLog.push({ metadataFile: options.metadataLocation, timestampMs: base.lastUpdatedMs });
  }
  const max = previousVersionsMax(properties);
  if (metadataLog.length > max) metadataLog = metadataLog.slice(metadataLog.length - max);

  return {
    formatVersion: 2,
    tableUuid,
    location,
    lastSequenceNumber,
    lastUpdatedMs,
    lastColumnId,
    schemas,
    currentSchemaId,
    partitionSpecs: specs,
    defaultSpecId,
    lastPartitionId,
    properties,
    currentSnapshotId,
    snapshots,
    snapshotLog,
    metadataLog,
    sortOrders,
    defaultSortOrderId,
    refs,
    ...(base?.extra ? { extra: base.extra } : {}),
  };
}

/**
 * Metadata files that fell off the metadata log in this commit: with
 * `write.metadata.delete-after-commit.enabled=true` the catalog deletes them after committing.
 */
export function expiredMetadataFiles(base: TableMetadata, next: TableMetadata): string[] {
  if (next.properties[DELETE_AFTER_COMMIT] !== 'true') return [];
  const kept = new Set(next.metadataLog.map((e) => e.metadataFile));
  return base.metadataLog.map((e) => e.metadataFile).filter((f) => !kept.has(f));
}
