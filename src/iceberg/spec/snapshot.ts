/**
 * JSON serde of snapshots, snapshot refs and the snapshot/metadata logs (spec appendix C), shared
 * by the metadata file and the REST catalog's add-snapshot update. Ids stay bigint throughout.
 */
import { FloeError } from '../../errors.js';
import { setMember, toInt, toInt64, type JsonValue } from './json.js';
import type { MetadataLogEntry, Snapshot, SnapshotLogEntry, SnapshotRef } from './model.js';

export interface SnapshotJson {
  'sequence-number': bigint;
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  'timestamp-ms': number;
  summary: Record<string, string>;
  'manifest-list': string;
  'schema-id'?: number;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new FloeError('invalid-metadata', `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new FloeError('invalid-metadata', `${what} must be a string`);
  return v;
}

/** A string-to-string map, e.g. a snapshot summary or table properties. */
export function stringMapFromJson(v: unknown, what: string): Record<string, string> {
  const o = obj(v, what);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    // Some writers put numbers in summaries; the spec says strings, so normalise.
    if (typeof x === 'string') setMember(out, k, x);
    else if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean')
      setMember(out, k, String(x));
    else throw new FloeError('invalid-metadata', `${what}: value of "${k}" must be a string`);
  }
  return out;
}

export function snapshotToJson(s: Snapshot): SnapshotJson {
  // "operation" first, as the Java writer does: humans read these files.
  const { operation, ...rest } = s.summary;
  const summary: Record<string, string> = {};
  if (operation !== undefined) summary.operation = operation;
  for (const [k, v] of Object.entries(rest)) setMember(summary, k, v);
  return {
    'sequence-number': s.sequenceNumber,
    'snapshot-id': s.snapshotId,
    ...(s.parentSnapshotId !== undefined ? { 'parent-snapshot-id': s.parentSnapshotId } : {}),
    'timestamp-ms': s.timestampMs,
    summary,
    'manifest-list': s.manifestList,
    ...(s.schemaId !== undefined ? { 'schema-id': s.schemaId } : {}),
  };
}

export function snapshotFromJson(json: unknown): Snapshot {
  const o = obj(json, 'snapshot');
  const snapshotId = toInt64(o['snapshot-id'], 'snapshot-id');
  const what = `snapshot ${snapshotId}`;
  if (typeof o['manifest-list'] !== 'string') {
    throw new FloeError(
      'unsupported',
      `${what} has no manifest-list (a v1 "manifests" snapshot); only v2 tables are supported`,
    );
  }
  const summary = stringMapFromJson(o.summary, `${what} summary`);
  if (summary.operation === undefined)
    throw new FloeError('invalid-metadata', `${what}: summary has no "operation"`);
  const parent = o['parent-snapshot-id'];
  const schemaId = o['schema-id'];
  return {
    snapshotId,
    ...(parent !== undefined && parent !== null
      ? { parentSnapshotId: toInt64(parent, `${what} parent-snapshot-id`) }
      : {}),
    sequenceNumber:
      o['sequence-number'] === undefined ? 0n : toInt64(o['sequence-number'], `${what} sequence-number`),
    timestampMs: toInt(o['timestamp-ms'], `${what} timestamp-ms`),
    manifestList: o['manifest-list'],
    summary,
    ...(schemaId !== undefined && schemaId !== null
      ? { schemaId: toInt(schemaId, `${what} schema-id`) }
      : {}),
  };
}

export interface SnapshotRefJson {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export function snapshotRefToJson(r: SnapshotRef): SnapshotRefJson {
  return {
    'snapshot-id': r.snapshotId,
    type: r.type,
    ...(r.minSnapshotsToKeep !== undefined ? { 'min-snapshots-to-keep': r.minSnapshotsToKeep } : {}),
    ...(r.maxSnapshotAgeMs !== undefined ? { 'max-snapshot-age-ms': r.maxSnapshotAgeMs } : {}),
    ...(r.maxRefAgeMs !== undefined ? { 'max-ref-age-ms': r.maxRefAgeMs } : {}),
  };
}

export function snapshotRefFromJson(json: unknown, name: string): SnapshotRef {
  const o = obj(json, `ref "${name}"`);
  const type = typeof o.type === 'string' ? o.type.toLowerCase() : '';
  if (type !== 'branch' && type !== 'tag')
    throw new FloeError('invalid-metadata', `ref "${name}": type must be "branch" or "tag"`);
  const opt = (key: string): number | undefined =>
    o[key] === undefined || o[key] === null ? undefined : toInt(o[key], `ref "${name}" ${key}`);
  const minSnapshotsToKeep = opt('min-snapshots-to-keep');
  const maxSnapshotAgeMs = opt('max-snapshot-age-ms');
  const maxRefAgeMs = opt('max-ref-age-ms');
  return {
    snapshotId: toInt64(o['snapshot-id'], `ref "${name}" snapshot-id`),
    type,
    ...(minSnapshotsToKeep !== undefined ? { minSnapshotsToKeep } : {}),
    ...(maxSnapshotAgeMs !== undefined ? { maxSnapshotAgeMs } : {}),
    ...(maxRefAgeMs !== undefined ? { maxRefAgeMs } : {}),
  };
}

export function snapshotLogToJson(entries: readonly SnapshotLogEntry[]): JsonValue[] {
  return entries.map((e) => ({ 'timestamp-ms': e.timestampMs, 'snapshot-id': e.snapshotId }));
}

export function snapshotLogFromJson(json: unknown): SnapshotLogEntry[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw new FloeError('invalid-metadata', 'snapshot-log must be an array');
  return json.map((e) => {
    const o = obj(e, 'snapshot-log entry');
    return {
      snapshotId: toInt64(o['snapshot-id'], 'snapshot-log snapshot-id'),
      timestampMs: toInt(o['timestamp-ms'], 'snapshot-log timestamp-ms'),
    };
  });
}

export function metadataLogToJson(entries: readonly MetadataLogEntry[]): JsonValue[] {
  return entries.map((e) => ({ 'timestamp-ms': e.timestampMs, 'metadata-file': e.metadataFile }));
}

export function metadataLogFromJson(json: unknown): MetadataLogEntry[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw new FloeError('invalid-metadata', 'metadata-log must be an array');
  return json.map((e) => {
    const o = obj(e, 'metadata-log entry');
    return {
      metadataFile: str(o['metadata-file'], 'metadata-log metadata-file'),
      timestampMs: toInt(o['timestamp-ms'], 'metadata-log timestamp-ms'),
    };
  });
}
