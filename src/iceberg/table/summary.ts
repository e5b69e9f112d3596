/**
 * Snapshot summaries as Java's SnapshotSummary writes them: added-* counts for what the snapshot
 * adds, total-* running totals carried from the parent. Engines (and `floe inspect`) show these,
 * and Trino/Spark use total-records for planning.
 */
import type { DataFile } from '../spec/model.js';

const TOTALS = [
  'total-records',
  'total-files-size',
  'total-data-files',
  'total-delete-files',
  'total-position-deletes',
  'total-equality-deletes',
] as const;

export function appendSummary(
  parentSummary: Readonly<Record<string, string>> | undefined,
  added: readonly DataFile[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  let records = 0n;
  let bytes = 0n;
  const partitions = new Set<string>();
  for (const f of added) {
    records += f.recordCount;
    bytes += f.fileSizeInBytes;
    partitions.add(partitionKey(f));
  }
  const summary: Record<string, string> = { ...extra, operation: 'append' };
  if (added.length > 0) {
    summary['added-data-files'] = String(added.length);
    summary['added-records'] = String(records);
    summary['added-files-size'] = String(bytes);
  }
  summary['changed-partition-count'] = String(partitions.size);

  const addedTotals: Record<(typeof TOTALS)[number], bigint> = {
    'total-records': records,
    'total-files-size': bytes,
    'total-data-files': BigInt(added.length),
    'total-delete-files': 0n,
    'total-position-deletes': 0n,
    'total-equality-deletes': 0n,
  };
  for (const key of TOTALS) {
    // A parent without totals (written by a tool that omits them) makes totals unknowable: omit, as Java does.
    if (parentSummary !== undefined && parentSummary[key] === undefined) continue;
    const base = parentSummary === undefined ? 0n : BigInt(parentSummary[key]!);
    summary[key] = String(base + addedTotals[key]);
  }
  return summary;
}

function partitionKey(file: DataFile): string {
  return (
    `${file.specId}:` +
    file.partition
      .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v)))
      .join('\u0000')
  );
}
