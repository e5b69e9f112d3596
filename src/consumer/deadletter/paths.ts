/**
 * Where dead letters live:
 *
 *   <location>/<namespace>.<table>/<snapshotId>.ndjson            the dead letters of one commit
 *   <location>/<namespace>.<table>/_committed/<snapshotId>        marker: that commit is known to have happened
 *
 * One file per commit, named by the snapshot id the commit creates, written before the commit.
 * The marker is written after the commit (or by reconcile) so that a file stays "committed" when
 * its snapshot is later expired from the table metadata.
 */
import type { TableIdentifier } from '../../iceberg/catalog.js';
import { joinPath, trimTrailingSlash } from '../../iceberg/io/paths.js';

export const MARKER_DIR = '_committed';
const FILE_RE = /^(\d{1,19})\.ndjson$/;
const MARKER_RE = /^(\d{1,19})$/;

/** "ns.table" (namespace levels joined by dots), as in every dead letter's `table`. */
export function tableName(table: TableIdentifier | string): string {
  return typeof table === 'string' ? table : [...table.namespace, table.name].join('.');
}

export function deadLetterDir(location: string, table: TableIdentifier | string): string {
  return joinPath(trimTrailingSlash(location), tableName(table));
}

export function deadLetterPath(
  location: string,
  table: TableIdentifier | string,
  snapshotId: bigint,
): string {
  return joinPath(deadLetterDir(location, table), `${snapshotId}.ndjson`);
}

export function markerPath(location: string, table: TableIdentifier | string, snapshotId: bigint): string {
  return joinPath(deadLetterDir(location, table), MARKER_DIR, String(snapshotId));
}

/** The snapshot id of a dead-letter file or marker path below `dir`, or undefined for other files. */
export function parseEntry(
  dir: string,
  path: string,
): { kind: 'file' | 'marker'; snapshotId: bigint } | undefined {
  const base = dir.endsWith('/') ? dir : dir + '/';
  if (!path.startsWith(base)) return undefined;
  const rest = path.slice(base.length);
  const file = FILE_RE.exec(rest);
  if (file) return { kind: 'file', snapshotId: BigInt(file[1] as string) };
  if (rest.startsWith(MARKER_DIR + '/')) {
    const m = MARKER_RE.exec(rest.slice(MARKER_DIR.length + 1));
    if (m) return { kind: 'marker', snapshotId: BigInt(m[1] as string) };
  }
  return undefined;
}
