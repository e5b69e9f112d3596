/**
 * Manifest merging, as Java's MergeAppend does by default. Without it a table committed every few
 * seconds gains one manifest per commit forever and every scan reads them all.
 *
 * Manifests are grouped by partition spec; each group (newest first) is bin-packed from its oldest
 * end to the target size with a look-back of one, so order is kept and the under-filled bin is the
 * newest one, which the next commit merges into. A bin of one manifest is kept as it is; the bin
 * that holds this commit's new manifest is rewritten only once it has min-count-to-merge manifests.
 */
import type { FileIO } from '../io/fileio.js';
import { readManifest, writeManifest } from '../manifest/index.js';
import type { ManifestEntry, ManifestFile, TableMetadata } from '../spec/model.js';
import { ManifestEntryStatus } from '../spec/model.js';
import { FloeError } from '../../errors.js';

export interface MergeSettings {
  readonly enabled: boolean;
  readonly minCountToMerge: number;
  readonly targetSizeBytes: number;
}

export function mergeSettingsFromProperties(properties: Readonly<Record<string, string>>): MergeSettings {
  const positive = (key: string, fallback: number): number => {
    const v = Number(properties[key]);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  return {
    enabled: (properties['commit.manifest-merge.enabled'] ?? 'true').toLowerCase() !== 'false',
    minCountToMerge: positive('commit.manifest.min-count-to-merge', 100),
    targetSizeBytes: positive('commit.manifest.target-size-bytes', 8 * 1024 * 1024),
  };
}

export interface MergeResult {
  /** The manifest list content, newest first. */
  readonly manifests: ManifestFile[];
  /** Manifests written by the merge (to delete if this attempt does not commit). */
  readonly written: string[];
}

export interface MergeContext {
  readonly io: FileIO;
  readonly metadata: TableMetadata;
  readonly snapshotId: bigint;
  /** Path for the n-th merged manifest of this attempt. */
  readonly newManifestPath: () => string;
}

/** Packs items from the end of the list (oldest) forward: bins keep list order. */
export function packFromEnd<T>(items: readonly T[], weight: (item: T) => number, target: number): T[][] {
  const bins: T[][] = [];
  let bin: T[] = [];
  let binWeight = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const w = weight(item);
    if (bin.length > 0 && binWeight + w > target) {
      bins.push(bin);
      bin = [];
      binWeight = 0;
    }
    bin.unshift(item);
    binWeight += w;
  }
  if (bin.length > 0) bins.push(bin);
  return bins.reverse();
}

export async function mergeManifests(
  ctx: MergeContext,
  newManifests: readonly ManifestFile[],
  parentManifests: readonly ManifestFile[],
  settings: MergeSettings,
): Promise<MergeResult> {
  const all = [...newManifests, ...parentManifests];
  if (!settings.enabled) return { manifests: all, written: [] };

  const groups = new Map<number, ManifestFile[]>();
  for (const m of all) {
    if (m.content !== 0) continue; // delete manifests are never merged with data manifests
    let group = groups.get(m.partitionSpecId);
    if (!group) groups.set(m.partitionSpecId, (group = []));
    group.push(m);
  }
  const isNew = new Set(newManifests.map((m) => m.manifestPath));
  const output: ManifestFile[] = [];
  const written: string[] = [];
  // Highest spec id first, as Java orders groups, so the newest data sorts first.
  for (const specId of [...groups.keys()].sort((a, b) => b - a)) {
    const group = groups.get(specId)!;
    for (const bin of packFromEnd(group, (m) => Number(m.manifestLength), settings.targetSizeBytes)) {
      const holdsNew = bin.some((m) => isNew.has(m.manifestPath));
      if (bin.length === 1 || (holdsNew && bin.length < settings.minCountToMerge)) {
        output.push(...bin);
        continue;
      }
      const merged = await rewriteBin(ctx, specId, bin);
      written.push(merged.manifestPath);
      output.push(merged);
    }
  }
  output.push(...all.filter((m) => m.content !== 0));
  return { manifests: output, written };
}

async function rewriteBin(
  ctx: MergeContext,
  specId: number,
  bin: readonly ManifestFile[],
): Promise<ManifestFile> {
  const spec = ctx.metadata.partitionSpecs.find((s) => s.specId === specId);
  if (!spec) throw new FloeError('invalid-metadata', `manifest refers to unknown partition spec ${specId}`);
  const schema = ctx.metadata.schemas.find((s) => s.schemaId === ctx.metadata.currentSchemaId)!;
  const entries: ManifestEntry[] = [];
  for (const manifest of bin) {
    for (const entry of await readManifest(ctx.io, manifest)) {
      if (entry.snapshotId === ctx.snapshotId && entry.status === ManifestEntryStatus.ADDED) {
        // Added by this commit: stays ADDED with inherited (unassigned) sequence numbers.
        entries.push({ ...entry, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null });
      } else if (entry.status !== ManifestEntryStatus.DELETED) {
        // Carried over: EXISTING with the sequence numbers it was read with, written explicitly.
        entries.push({ ...entry, status: ManifestEntryStatus.EXISTING });
      }
      // DELETED entries of earlier snapshots are dropped: they only mattered to those snapshots.
    }
  }
  return writeManifest(ctx.io, ctx.newManifestPath(), { schema, spec, snapshotId: ctx.snapshotId }, entries);
}
