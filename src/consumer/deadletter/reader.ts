/**
 * Reading dead letters back: a file counts only if its snapshot was committed.
 *
 * A file is COMMITTED when its snapshot id is one of the table's snapshots, or when its
 * `_committed/<id>` marker exists (the snapshot may since have been expired). Any other file is
 * the leftover of a commit that never happened (crash or definite failure before it): its records
 * were not committed either, so the consumer reads them again and writes them under a new id.
 */
import type { TableIdentifier } from '../../iceberg/catalog.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';
import { decodeDeadLetters, type DeadLetter } from './format.js';
import { deadLetterDir, parseEntry } from './paths.js';

export interface DeadLetterFile {
  readonly path: string;
  readonly snapshotId: bigint;
  readonly size: number;
  readonly lastModifiedMs: number | undefined;
  /** How the commit is known: the snapshot is in the metadata, and/or a marker exists. */
  readonly inMetadata: boolean;
  readonly marked: boolean;
}

export interface DeadLetterListing {
  /** Files whose commit happened, in commit order (expired-but-marked ones first, by write time). */
  readonly committed: readonly DeadLetterFile[];
  /** Files with no committed snapshot: in-flight commits or orphans. */
  readonly uncommitted: readonly DeadLetterFile[];
  /** Markers without a file (the file was deleted by hand, or the commit had no dead letters). */
  readonly strayMarkers: readonly bigint[];
}

export interface ListOptions {
  readonly io: FileIO;
  readonly location: string;
  readonly table: TableIdentifier | string;
  /** The table's metadata, loaded AFTER the files it should judge were written. */
  readonly metadata: TableMetadata;
}

export async function listDeadLetterFiles(options: ListOptions): Promise<DeadLetterListing> {
  const dir = deadLetterDir(options.location, options.table);
  const infos = await options.io.list(dir.endsWith('/') ? dir : dir + '/');
  const markers = new Set<bigint>();
  const files: { path: string; snapshotId: bigint; size: number; lastModifiedMs: number | undefined }[] = [];
  for (const info of infos) {
    const entry = parseEntry(dir, info.path);
    if (!entry) continue;
    if (entry.kind === 'marker') markers.add(entry.snapshotId);
    else
      files.push({
        path: info.path,
        snapshotId: entry.snapshotId,
        size: info.size,
        lastModifiedMs: info.lastModifiedMs,
      });
  }
  const sequence = new Map<bigint, bigint>();
  for (const s of options.metadata.snapshots) sequence.set(s.snapshotId, s.sequenceNumber);
  const committed: DeadLetterFile[] = [];
  const uncommitted: DeadLetterFile[] = [];
  const withFile = new Set<bigint>();
  for (const f of files) {
    withFile.add(f.snapshotId);
    const file: DeadLetterFile = {
      ...f,
      inMetadata: sequence.has(f.snapshotId),
      marked: markers.has(f.snapshotId),
    };
    (file.inMetadata || file.marked ? committed : uncommitted).push(file);
  }
  // Commit order: snapshots still in the metadata by sequence number (times can tie); those only
  // known by their marker were expired, so they are older than all of these: by write time.
  committed.sort((a, b) => {
    const sa = sequence.get(a.snapshotId);
    const sb = sequence.get(b.snapshotId);
    if (sa !== undefined && sb !== undefined) return sa < sb ? -1 : sa > sb ? 1 : 0;
    if (sa !== undefined || sb !== undefined) return sa === undefined ? -1 : 1;
    return (a.lastModifiedMs ?? 0) - (b.lastModifiedMs ?? 0);
  });
  return { committed, uncommitted, strayMarkers: [...markers].filter((id) => !withFile.has(id)) };
}

/** The committed dead-letter files of a table (see listDeadLetterFiles). */
export async function committedDeadLetters(options: ListOptions): Promise<DeadLetterFile[]> {
  return [...(await listDeadLetterFiles(options)).committed];
}

export async function readDeadLetterFile(io: FileIO, path: string): Promise<DeadLetter[]> {
  return decodeDeadLetters(await io.read(path), path);
}

/** Every committed dead letter of a table, file by file in commit order. */
export async function* readCommittedDeadLetters(
  options: ListOptions,
): AsyncGenerator<DeadLetter & { readonly file: string }> {
  for (const f of await committedDeadLetters(options)) {
    for (const letter of await readDeadLetterFile(options.io, f.path)) yield { ...letter, file: f.path };
  }
}
