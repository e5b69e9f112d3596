import { describe, expect, it } from 'vitest';
import { readAvroContainer, readAvroHeader, toAvroValue, writeAvroContainer } from '../avro/index.js';
import { MemoryFileIO } from '../io/memory.js';
import { encodeValue } from '../spec/conversions.js';
import type { DataFile, ManifestEntry, ManifestFile } from '../spec/model.js';
import { parsePartitionSpec, partitionSpecToJson, partitionType, UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t, type Value } from '../spec/types.js';
import {
  decodeManifest,
  decodeManifestList,
  encodeManifest,
  encodeManifestList,
  manifestAvroSchema,
  manifestEntryType,
  manifestListAvroSchema,
  manifestMetadata,
  readManifest,
  readManifestList,
  writeManifest,
  writeManifestList,
} from './index.js';

const SCHEMA = new Schema(
  [
    { id: 1, name: 'id', required: true, type: t.long },
    { id: 2, name: 'created', required: false, type: t.timestamptz },
    { id: 3, name: 'borough', required: false, type: t.string },
    { id: 4, name: 'amount', required: false, type: t.decimal(9, 2) },
    { id: 5, name: 'score', required: false, type: t.double },
    { id: 6, name: 'uid', required: false, type: t.uuid },
  ],
  3,
);
const SPEC = {
  ...parsePartitionSpec('day(created), borough, bucket(16, id), amount, score, uid', SCHEMA),
  specId: 2,
};

const SNAPSHOT = 2n ** 62n + 12345n; // beyond 2^53: must survive as bigint
const OLD_SNAPSHOT = 2n ** 61n + 1n;

const DAY = 19_783; // 2024-03-01
function file(i: number, partition: Value[], extra: Partial<DataFile> = {}): DataFile {
  return {
    content: 0,
    filePath: `s3://bucket/wh/db/t/data/part-${i}.parquet`,
    fileFormat: 'PARQUET',
    partition,
    recordCount: 1000n + BigInt(i),
    fileSizeInBytes: 2n ** 40n + BigInt(i),
    specId: SPEC.specId,
    ...extra,
  };
}

const UID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ENTRIES: ManifestEntry[] = [
  {
    status: 1,
    snapshotId: null,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: file(1, [DAY, 'QUEENS', 3, 12345n, 1.5, UID], {
      columnSizes: new Map([
        [1, 100n],
        [3, 2n ** 55n],
      ]),
      valueCounts: new Map([[1, 1001n]]),
      nullValueCounts: new Map([[1, 0n]]),
      nanValueCounts: new Map([[5, 2n]]),
      lowerBounds: new Map([[1, encodeValue(t.long, -5n)]]),
      upperBounds: new Map([[1, encodeValue(t.long, 2n ** 60n)]]),
      splitOffsets: [4n, 2n ** 33n],
      sortOrderId: 0,
    }),
  },
  {
    status: 1,
    snapshotId: null,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: file(2, [DAY + 2, null, 15, -99n, Number.NaN, null]),
  },
  {
    status: 0,
    snapshotId: OLD_SNAPSHOT,
    sequenceNumber: 3n,
    fileSequenceNumber: 4n,
    dataFile: file(3, [DAY - 400, 'BRONX', 0, 0n, -0, UID]),
  },
  {
    status: 2,
    snapshotId: SNAPSHOT,
    sequenceNumber: 5n,
    fileSequenceNumber: 5n,
    dataFile: file(4, [null, 'ZZZ', 7, null, null, null]),
  },
];

describe('manifests', () => {
  it('writes a manifest and returns its manifest-list entry with counts and partition summaries', async () => {
    const io = new MemoryFileIO();
    const m = await writeManifest(
      io,
      'mem://t/metadata/m0.avro',
      { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT },
      ENTRIES,
    );
    expect(m).toMatchObject({
      manifestPath: 'mem://t/metadata/m0.avro',
      manifestLength: BigInt((await io.read('mem://t/metadata/m0.avro')).length),
      partitionSpecId: 2,
      content: 0,
      sequenceNumber: -1n,
      minSequenceNumber: 3n, // the EXISTING/DELETED entries' smallest; ADDED ones will be newer
      addedSnapshotId: SNAPSHOT,
      addedFilesCount: 2,
      existingFilesCount: 1,
      deletedFilesCount: 1,
      addedRowsCount: 1001n + 1002n,
      existingRowsCount: 1003n,
      deletedRowsCount: 1004n,
    });
    const [day, borough, bucket, amount, score, uid] = m.partitions!;
    expect(day).toEqual({
      containsNull: true,
      containsNan: false,
      lowerBound: encodeValue(t.date, DAY - 400),
      upperBound: encodeValue(t.date, DAY + 2),
    });
    expect(borough).toEqual({
      containsNull: true,
      containsNan: false,
      lowerBound: encodeValue(t.string, 'BRONX'),
      upperBound: encodeValue(t.string, 'ZZZ'),
    });
    expect(bucket).toEqual({
      containsNull: false,
      containsNan: false,
      lowerBound: encodeValue(t.int, 0),
      upperBound: encodeValue(t.int, 15),
    });
    expect(amount!.lowerBound).toEqual(encodeValue(t.decimal(9, 2), -99n));
    expect(amount!.upperBound).toEqual(encodeValue(t.decimal(9, 2), 12345n));
    // NaN is flagged, not used as a bound; -0.0 is the lower bound (spec: it precedes +0.0).
    expect(score).toEqual({
      containsNull: true,
      containsNan: true,
      lowerBound: encodeValue(t.double, -0),
      upperBound: encodeValue(t.double, 1.5),
    });
    expect(uid!.lowerBound).toEqual(encodeValue(t.uuid, UID));
  });

  it('stores the required header keys and the Iceberg field ids in the embedded Avro schema', () => {
    const { bytes } = encodeManifest('m.avro', { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT }, ENTRIES);
    const file = readAvroContainer(bytes);
    expect(file.codec).toBe('deflate');
    expect(JSON.parse(file.metadata.schema!)).toEqual(SCHEMA.toJson());
    expect(file.metadata['schema-id']).toBe('3');
    expect(JSON.parse(file.metadata['partition-spec']!)).toEqual(partitionSpecToJson(SPEC).fields);
    expect(file.metadata['partition-spec-id']).toBe('2');
    expect(file.metadata['format-version']).toBe('2');
    expect(file.metadata.content).toBe('data');
    expect(file.schemaText).toBe(JSON.stringify(manifestAvroSchema(SPEC, SCHEMA)));

    const s = file.schemaText;
    expect(s).toContain('"name":"manifest_entry"');
    expect(s).toContain('"name":"r2"');
    expect(s).toContain('"name":"r102"');
    expect(s).toContain('"name":"k117_v118"');
    expect(s).toContain('"logicalType":"map"');
    for (const id of [
      0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 108, 109, 110, 117, 118, 125, 126, 127, 128, 131, 132, 134, 135,
      137, 140,
    ]) {
      expect(s).toContain(`"field-id":${id}`);
    }
    expect(s).toContain('"element-id":133');
    expect(s).toContain('"element-id":136');
    // Partition struct fields carry the partition field ids (1000...) and result types.
    const partitionRecord = /"name":"r102","fields":(\[.*?\])\}/.exec(s)![1]!;
    expect(partitionRecord).toContain(
      '"name":"created_day","type":["null",{"type":"int","logicalType":"date"}],"default":null,"field-id":1000',
    );
    expect(partitionRecord).toContain('"field-id":1005');

    // ADDED entries: explicit snapshot id (like Java/PyIceberg), null sequence numbers (inherited on read).
    const raw = file.records as {
      status: number;
      snapshot_id: unknown;
      sequence_number: unknown;
      file_sequence_number: unknown;
    }[];
    expect(raw.map((r) => [r.status, r.snapshot_id, r.sequence_number, r.file_sequence_number])).toEqual([
      [1, SNAPSHOT, null, null],
      [1, SNAPSHOT, null, null],
      [0, OLD_SNAPSHOT, 3n, 4n],
      [2, SNAPSHOT, 5n, 5n],
    ]);
  });

  it('round-trips entries through a manifest list with sequence-number inheritance', async () => {
    const io = new MemoryFileIO();
    const m = await writeManifest(
      io,
      'mem://m1.avro',
      { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT },
      ENTRIES,
    );
    const older: ManifestFile = {
      ...m,
      manifestPath: 'mem://old.avro',
      sequenceNumber: 2n,
      minSequenceNumber: 1n,
      addedSnapshotId: OLD_SNAPSHOT,
    };
    await writeManifestList(
      io,
      'mem://snap.avro',
      { snapshotId: SNAPSHOT, parentSnapshotId: OLD_SNAPSHOT, sequenceNumber: 7n },
      [m, older],
    );

    const list = await readManifestList(io, 'mem://snap.avro');
    expect(list).toEqual([{ ...m, sequenceNumber: 7n, minSequenceNumber: 3n }, older]);

    const entries = await readManifest(io, list[0]!);
    expect(entries.map((e) => [e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [1, SNAPSHOT, 7n, 7n],
      [1, SNAPSHOT, 7n, 7n],
      [0, OLD_SNAPSHOT, 3n, 4n],
      [2, SNAPSHOT, 5n, 5n],
    ]);
    // Data files come back as written: partition values in floe's representation, metrics as maps.
    expect(entries.map((e) => e.dataFile)).toEqual(ENTRIES.map((e) => e.dataFile));
    expect(Number.isNaN(entries[1]!.dataFile.partition[4] as number)).toBe(true);
    expect(Object.is(entries[2]!.dataFile.partition[4], -0)).toBe(true);
  });

  it('writes the manifest-list header keys and assigns the sequence number of the first min', () => {
    const { manifest } = encodeManifest(
      'mem://a.avro',
      { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT },
      ENTRIES.slice(0, 2),
    );
    expect(manifest.minSequenceNumber).toBe(-1n); // only ADDED entries: unknown until the list is written
    const bytes = encodeManifestListBytes([manifest], null);
    const decoded = decodeManifestList(bytes);
    expect(decoded.metadata['snapshot-id']).toBe(String(SNAPSHOT));
    expect(decoded.metadata['parent-snapshot-id']).toBe('null');
    expect(decoded.metadata['sequence-number']).toBe('9');
    expect(decoded.metadata['format-version']).toBe('2');
    expect(decoded.avroSchema).toBe(JSON.stringify(manifestListAvroSchema()));
    expect(decoded.manifests[0]).toMatchObject({ sequenceNumber: 9n, minSequenceNumber: 9n });
    const s = decoded.avroSchema;
    expect(s).toContain('"name":"manifest_file"');
    expect(s).toContain('"name":"r508"');
    for (const id of [
      500, 501, 502, 503, 504, 505, 506, 507, 509, 510, 511, 512, 513, 514, 515, 516, 517, 518, 519,
    ]) {
      expect(s).toContain(`"field-id":${id}`);
    }
    expect(s).toContain('"element-id":508');
  });

  it('refuses an unassigned manifest from another snapshot and EXISTING entries without sequence numbers', () => {
    const { manifest } = encodeManifest(
      'mem://a.avro',
      { schema: SCHEMA, spec: SPEC, snapshotId: OLD_SNAPSHOT },
      ENTRIES.slice(0, 1),
    );
    expect(() => encodeManifestListBytes([manifest], null)).toThrow(/no sequence number/);
    const bad: ManifestEntry = { ...ENTRIES[2]!, sequenceNumber: null };
    expect(() => encodeManifest('x', { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT }, [bad])).toThrow(
      /status 0/,
    );
  });

  it('leaves sequence numbers null when the manifest-list entry has none yet, and handles unpartitioned tables', () => {
    const entry: ManifestEntry = { ...ENTRIES[0]!, dataFile: { ...file(9, []), specId: 0 } };
    const { bytes, manifest } = encodeManifest(
      'mem://u.avro',
      { schema: SCHEMA, spec: UNPARTITIONED, snapshotId: SNAPSHOT },
      [entry],
    );
    expect(manifest.partitions).toEqual([]);
    const pending = decodeManifest(bytes, manifest);
    expect(pending.entries[0]).toMatchObject({
      snapshotId: SNAPSHOT,
      sequenceNumber: null,
      fileSequenceNumber: null,
    });
    expect(pending.entries[0]!.dataFile).toEqual(entry.dataFile);
    expect(pending.spec).toEqual(UNPARTITIONED);
    expect(pending.schema.toJson()).toEqual(SCHEMA.toJson());
    const assigned = decodeManifest(bytes, { ...manifest, sequenceNumber: 12n });
    expect(assigned.entries[0]).toMatchObject({ sequenceNumber: 12n, fileSequenceNumber: 12n });
  });

  it('inherits a null snapshot id for any entry, null sequence numbers only for ADDED (or v1 lists: 0)', () => {
    // Other writers may leave snapshot_id null; build such a file with the raw Avro layer.
    const partition = partitionType(SPEC, SCHEMA);
    const entryType = manifestEntryType(partition);
    const df = { ...file(1, [DAY, 'Q', 1, 1n, 1, UID]) };
    const raw = (status: number): unknown =>
      toAvroValue(entryType, {
        status,
        snapshot_id: null,
        sequence_number: null,
        file_sequence_number: null,
        data_file: {
          content: 0,
          file_path: df.filePath,
          file_format: 'parquet', // lower case as some writers store it
          partition: Object.fromEntries(partition.fields.map((f, i) => [f.name, df.partition[i]!])),
          record_count: df.recordCount,
          file_size_in_bytes: df.fileSizeInBytes,
        },
      });
    const bytes = writeAvroContainer(manifestAvroSchema(SPEC, SCHEMA), [raw(1), raw(0)], {
      metadata: manifestMetadata(SCHEMA, SPEC),
    });
    const list = { addedSnapshotId: SNAPSHOT, partitionSpecId: 2, manifestPath: 'm' };
    const v2 = decodeManifest(bytes, { ...list, sequenceNumber: 5n }).entries;
    expect(v2.map((e) => [e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [SNAPSHOT, 5n, 5n],
      [SNAPSHOT, null, null],
    ]);
    expect(v2[0]!.dataFile).toEqual(df);
    const v1 = decodeManifest(bytes, { ...list, sequenceNumber: 0n }).entries;
    expect(v1.map((e) => e.sequenceNumber)).toEqual([0n, 0n]);
  });

  it('writes many entries (several Avro blocks) and reads them all back', () => {
    const many: ManifestEntry[] = Array.from({ length: 1200 }, (_, i) => ({
      ...ENTRIES[0]!,
      dataFile: file(i, [DAY + (i % 30), `B${i % 7}`, i % 16, BigInt(i), i / 3, UID]),
    }));
    const { bytes, manifest } = encodeManifest(
      'mem://many.avro',
      { schema: SCHEMA, spec: SPEC, snapshotId: SNAPSHOT },
      many,
    );
    expect(countSyncMarkers(bytes)).toBeGreaterThan(2);
    const back = decodeManifest(bytes, { ...manifest, sequenceNumber: 1n });
    expect(back.entries).toHaveLength(1200);
    expect(back.entries[1199]!.dataFile).toEqual(many[1199]!.dataFile);
    expect(manifest.partitions![0]!.upperBound).toEqual(encodeValue(t.date, DAY + 29));
  });
});

function encodeManifestListBytes(manifests: ManifestFile[], parent: bigint | null): Uint8Array {
  return encodeManifestList(
    { snapshotId: SNAPSHOT, parentSnapshotId: parent, sequenceNumber: 9n },
    manifests,
  );
}

/** Occurrences of the file's sync marker: one after the header plus one per data block. */
function countSyncMarkers(bytes: Uint8Array): number {
  const sync = readAvroHeader(bytes).syncMarker;
  let n = 0;
  for (let i = 0; i + 16 <= bytes.length; i++) if (sync.every((b, j) => bytes[i + j] === b)) n++;
  return n;
}
