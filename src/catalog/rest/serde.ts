/**
 * Commit requirements and updates in the Iceberg REST protocol's JSON shapes (the open-api spec's
 * TableRequirement / TableUpdate). int64 values stay bigint: the body is written with stringifyJson.
 */
import { FloeError } from '../../errors.js';
import type { TableRequirement, TableUpdate } from '../../iceberg/catalog.js';
import { partitionSpecToJson } from '../../iceberg/spec/partition.js';
import { snapshotToJson } from '../../iceberg/spec/snapshot.js';
import { sortOrderToJson } from '../../iceberg/spec/sort-order.js';

export function requirementToJson(r: TableRequirement): Record<string, unknown> {
  switch (r.type) {
    case 'assert-create':
      return { type: r.type };
    case 'assert-table-uuid':
      return { type: r.type, uuid: r.uuid };
    case 'assert-ref-snapshot-id':
      // null is meaningful here ("the ref must not exist") and must be written, not omitted.
      return { type: r.type, ref: r.ref, 'snapshot-id': r.snapshotId };
    case 'assert-last-assigned-field-id':
      return { type: r.type, 'last-assigned-field-id': r.lastAssignedFieldId };
    case 'assert-current-schema-id':
      return { type: r.type, 'current-schema-id': r.currentSchemaId };
    case 'assert-last-assigned-partition-id':
      return { type: r.type, 'last-assigned-partition-id': r.lastAssignedPartitionId };
    case 'assert-default-spec-id':
      return { type: r.type, 'default-spec-id': r.defaultSpecId };
    case 'assert-default-sort-order-id':
      return { type: r.type, 'default-sort-order-id': r.defaultSortOrderId };
    default: {
      const unknown: never = r;
      throw new FloeError('unsupported', `unknown requirement ${JSON.stringify(unknown)}`);
    }
  }
}

export function updateToJson(u: TableUpdate): Record<string, unknown> {
  switch (u.action) {
    case 'assign-uuid':
      return { action: u.action, uuid: u.uuid };
    case 'upgrade-format-version':
      return { action: u.action, 'format-version': u.formatVersion };
    case 'add-schema':
      return {
        action: u.action,
        schema: u.schema.toJson(),
        ...(u.lastColumnId !== undefined ? { 'last-column-id': u.lastColumnId } : {}),
      };
    case 'set-current-schema':
      return { action: u.action, 'schema-id': u.schemaId };
    case 'add-spec':
      return { action: u.action, spec: partitionSpecToJson(u.spec) };
    case 'set-default-spec':
      return { action: u.action, 'spec-id': u.specId };
    case 'add-sort-order':
      return { action: u.action, 'sort-order': sortOrderToJson(u.sortOrder) };
    case 'set-default-sort-order':
      return { action: u.action, 'sort-order-id': u.sortOrderId };
    case 'add-snapshot':
      return { action: u.action, snapshot: snapshotToJson(u.snapshot) };
    case 'set-snapshot-ref':
      return {
        action: u.action,
        'ref-name': u.refName,
        type: u.type,
        'snapshot-id': u.snapshotId,
        'max-ref-age-ms': u.maxRefAgeMs,
        'max-snapshot-age-ms': u.maxSnapshotAgeMs,
        'min-snapshots-to-keep': u.minSnapshotsToKeep,
      };
    case 'remove-snapshots':
      return { action: u.action, 'snapshot-ids': u.snapshotIds };
    case 'remove-snapshot-ref':
      return { action: u.action, 'ref-name': u.refName };
    case 'set-location':
      return { action: u.action, location: u.location };
    case 'set-properties':
      return { action: u.action, updates: u.updates };
    case 'remove-properties':
      return { action: u.action, removals: u.removals };
    default: {
      const unknown: never = u;
      throw new FloeError('unsupported', `unknown update ${JSON.stringify(unknown)}`);
    }
  }
}
