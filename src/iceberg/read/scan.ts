/**
 * Scan planning: snapshot -> manifest list -> manifests -> data files, skipping manifests by their
 * partition summaries, files by their partition tuple and then by their column metrics.
 * Reading: the planned files' rows, filtered exactly by the residual row filter.
 */
import { FloeError } from '../../errors.js';
import type { FileIO } from '../io/fileio.js';
import { readManifest, readManifestList } from '../manifest/index.js';
import type { DataFile, Snapshot, TableMetadata } from '../spec/model.js';
import { ManifestEntryStatus } from '../spec/model.js';
import { partitionType } from '../spec/partition.js';
import type { Schema } from '../spec/schema.js';
import { isPrimitive, type PrimitiveType, type Value } from '../spec/types.js';
import { readDataFile } from '../writer/index.js';
import { bind, type BoundExpression } from './bind.js';
import {
  evaluateRow,
  fileMightMatch,
  manifestMightMatch,
  partitionMightMatch,
  projectToPartition,
} from './evaluators.js';
import type { Expression } from './expressions.js';

export interface PlanOptions {
  readonly filter?: Expression;
  readonly snapshotId?: bigint;
}

export interface ScanPlan {
  readonly snapshot: Snapshot | undefined;
  readonly schema: Schema;
  readonly files: DataFile[];
  readonly filter: BoundExpression;
  /** How many manifests and files were considered and skipped (for inspect and tests). */
  readonly stats: { manifests: number; manifestsSkipped: number; files: number; filesSkipped: number };
}

export function snapshotById(metadata: TableMetadata, snapshotId: bigint | undefined): Snapshot | undefined {
  const id = snapshotId ?? metadata.refs['main']?.snapshotId ?? metadata.currentSnapshotId;
  if (id === null || id === undefined) return undefined;
  const snapshot = metadata.snapshots.find((s) => s.snapshotId === id);
  if (!snapshot) throw new FloeError('not-found', `snapshot ${id} not found`);
  return snapshot;
}

export function schemaFor(metadata: TableMetadata, snapshot: Snapshot | undefined): Schema {
  const id = snapshot?.schemaId ?? metadata.currentSchemaId;
  return (
    metadata.schemas.find((s) => s.schemaId === id) ??
    metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId)!
  );
}

export async function planFiles(
  io: FileIO,
  metadata: TableMetadata,
  options: PlanOptions = {},
): Promise<ScanPlan> {
  const snapshot = snapshotById(metadata, options.snapshotId);
  const schema = schemaFor(metadata, snapshot);
  const filter = bind(options.filter ?? { op: 'true' }, schema);
  const stats = { manifests: 0, manifestsSkipped: 0, files: 0, filesSkipped: 0 };
  const files: DataFile[] = [];
  if (!snapshot) return { snapshot, schema, files, filter, stats };

  const projections = new Map<number, { expr: BoundExpression; types: PrimitiveType[] }>();
  const projectionFor = (specId: number) => {
    let p = projections.get(specId);
    if (!p) {
      const spec = metadata.partitionSpecs.find((s) => s.specId === specId);
      if (!spec) throw new FloeError('invalid-metadata', `unknown partition spec ${specId}`);
      const types = partitionType(spec, schema).fields.map((f) =>
        isPrimitive(f.type) ? f.type : { kind: 'string' as const },
      );
      p = { expr: projectToPartition(filter, spec, schema), types };
      projections.set(specId, p);
    }
    return p;
  };

  for (const manifest of await readManifestList(io, snapshot.manifestList)) {
    if (manifest.content !== 0) {
      throw new FloeError('unsupported', 'tables with delete files are not supported yet');
    }
    stats.manifests++;
    const projection = projectionFor(manifest.partitionSpecId);
    if (!manifestMightMatch(projection.expr, manifest.partitions, projection.types)) {
      stats.manifestsSkipped++;
      continue;
    }
    for (const entry of await readManifest(io, manifest)) {
      if (entry.status === ManifestEntryStatus.DELETED) continue;
      stats.files++;
      const file = entry.dataFile;
      if (!partitionMightMatch(projection.expr, file.partition) || !fileMightMatch(filter, file, schema)) {
        stats.filesSkipped++;
        continue;
      }
      files.push(file);
    }
  }
  return { snapshot, schema, files, filter, stats };
}

export interface ReadOptions extends PlanOptions {
  readonly select?: readonly string[];
}

/** Reads matching rows as objects keyed by column name (top-level columns). */
export async function readRows(
  io: FileIO,
  metadata: TableMetadata,
  options: ReadOptions = {},
): Promise<Record<string, Value>[]> {
  const plan = await planFiles(io, metadata, options);
  const columns = (options.select ?? plan.schema.fields.map((f) => f.name)).map((name) => {
    const field = plan.schema.findByName(name);
    if (!field) throw new FloeError('usage', `unknown column "${name}"`);
    return field;
  });
  const filterIds = collectFieldIds(plan.filter);
  const readIds = [...new Set([...columns.map((f) => f.id), ...filterIds])];
  const rows: Record<string, Value>[] = [];
  for (const file of plan.files) {
    for await (const batch of readDataFile(io, file.filePath, plan.schema, readIds)) {
      for (let i = 0; i < batch.rowCount; i++) {
        const value = (id: number): Value => batch.columns.get(id)?.[i] ?? null;
        if (!evaluateRow(plan.filter, value)) continue;
        const row: Record<string, Value> = {};
        for (const f of columns) row[f.name] = value(f.id);
        rows.push(row);
      }
    }
  }
  return rows;
}

function collectFieldIds(expr: BoundExpression, out: number[] = []): number[] {
  switch (expr.op) {
    case 'true':
    case 'false':
      return out;
    case 'and':
    case 'or':
      collectFieldIds(expr.left, out);
      return collectFieldIds(expr.right, out);
    default:
      out.push(expr.fieldId);
      return out;
  }
}
