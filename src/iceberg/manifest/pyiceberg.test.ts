import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeManifest, decodeManifestList } from './index.js';

// Files written by PyIceberg 0.12 (see __fixtures__/make_fixtures.py): two appends to a table
// partitioned by identity(created timestamptz), identity(borough), identity(id), identity(amount decimal(9,2)).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

interface Expected {
  snapshot_id: string;
  sequence_number: number;
  manifests: {
    added_snapshot_id: string;
    sequence_number: number;
    added_files_count: number;
    entries: {
      status: number;
      snapshot_id: string;
      sequence_number: number;
      record_count: number;
      partition: (string | null)[];
    }[];
  }[];
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

/** PyIceberg's decimal string ('-2.25') as floe's unscaled bigint at scale 2. */
const unscaled = (s: string | null): bigint | null => (s === null ? null : BigInt(s.replace('.', '')));

describe('reading manifests written by PyIceberg', () => {
  const list = decodeManifestList(read('pyiceberg-list.avro'));

  it('reads the manifest list with its header and sequence numbers', () => {
    expect(list.metadata['snapshot-id']).toBe(expected.snapshot_id);
    expect(list.metadata['format-version']).toBe('2');
    expect(list.manifests.map((m) => [m.addedSnapshotId, m.sequenceNumber, m.addedFilesCount])).toEqual(
      expected.manifests.map((m) => [
        BigInt(m.added_snapshot_id),
        BigInt(m.sequence_number),
        m.added_files_count,
      ]),
    );
  });

  it('reads every manifest entry with inherited sequence numbers and partition values as floe values', () => {
    list.manifests.forEach((m, i) => {
      const decoded = decodeManifest(read(`pyiceberg-m${i}.avro`), m);
      expect(decoded.metadata['partition-spec-id']).toBe('0');
      expect(decoded.spec.fields.map((f) => f.name)).toEqual(['created', 'borough', 'id', 'amount']);
      const entries = [...decoded.entries].sort((a, b) =>
        Number((a.dataFile.partition[2] as bigint) - (b.dataFile.partition[2] as bigint)),
      );
      expect(
        entries.map((e) => [
          e.status,
          e.snapshotId,
          e.sequenceNumber,
          e.fileSequenceNumber,
          e.dataFile.recordCount,
          e.dataFile.partition,
        ]),
      ).toEqual(
        expected.manifests[i]!.entries.map((e) => [
          e.status,
          BigInt(e.snapshot_id),
          BigInt(e.sequence_number),
          BigInt(e.sequence_number),
          BigInt(e.record_count),
          [
            e.partition[0] == null ? null : BigInt(e.partition[0]),
            e.partition[1],
            BigInt(e.partition[2]!),
            unscaled(e.partition[3]!),
          ],
        ]),
      );
      for (const e of entries) {
        expect(e.dataFile.fileFormat).toBe('PARQUET');
        expect(e.dataFile.valueCounts?.get(1)).toBe(e.dataFile.recordCount);
      }
    });
  });
});
