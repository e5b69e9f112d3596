/**
 * The v2 manifest and manifest-list schemas (Iceberg spec, "Manifests" and "Manifest Lists"), as
 * Iceberg struct types. The Avro schemas we embed are derived from them by icebergToAvroSchema,
 * which names records the way Java does (manifest_entry, r2 data_file, r102 partition,
 * k117_v118 map entries, manifest_file, r508 field_summary). Reading projects by the same
 * field ids, so files from Java, PyIceberg and v1 writers resolve whatever their names.
 */
import { icebergToAvroSchema, type AvroSchemaJson } from '../avro/index.js';
import type { PartitionSpec } from '../spec/model.js';
import { partitionType } from '../spec/partition.js';
import type { Schema } from '../spec/schema.js';
import { t, type IcebergType, type NestedField, type StructType } from '../spec/types.js';

const req = (id: number, name: string, type: IcebergType, doc?: string): NestedField =>
  doc === undefined ? { id, name, required: true, type } : { id, name, required: true, type, doc };
const opt = (id: number, name: string, type: IcebergType, doc?: string): NestedField =>
  doc === undefined ? { id, name, required: false, type } : { id, name, required: false, type, doc };
const intMap = (keyId: number, valueId: number, value: IcebergType): IcebergType => ({
  kind: 'map',
  keyId,
  key: t.int,
  valueId,
  valueRequired: true,
  value,
});
const list = (elementId: number, element: IcebergType): IcebergType => ({
  kind: 'list',
  elementId,
  elementRequired: true,
  element,
});

/** The data_file struct (field 2) for a given partition struct type. */
export function dataFileType(partition: StructType): StructType {
  return {
    kind: 'struct',
    fields: [
      req(134, 'content', t.int, 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes'),
      req(100, 'file_path', t.string, 'Location URI with FS scheme'),
      req(101, 'file_format', t.string, 'File format name: avro, orc, or parquet'),
      req(102, 'partition', partition, 'Partition data tuple, schema based on the partition spec'),
      req(103, 'record_count', t.long, 'Number of records in the file'),
      req(104, 'file_size_in_bytes', t.long, 'Total file size in bytes'),
      opt(108, 'column_sizes', intMap(117, 118, t.long), 'Map of column id to total size on disk'),
      opt(
        109,
        'value_counts',
        intMap(119, 120, t.long),
        'Map of column id to total count, including null and NaN',
      ),
      opt(110, 'null_value_counts', intMap(121, 122, t.long), 'Map of column id to null value count'),
      opt(
        137,
        'nan_value_counts',
        intMap(138, 139, t.long),
        'Map of column id to number of NaN values in the column',
      ),
      opt(125, 'lower_bounds', intMap(126, 127, t.binary), 'Map of column id to lower bound'),
      opt(128, 'upper_bounds', intMap(129, 130, t.binary), 'Map of column id to upper bound'),
      opt(131, 'key_metadata', t.binary, 'Encryption key metadata blob'),
      opt(132, 'split_offsets', list(133, t.long), 'Splittable offsets'),
      opt(135, 'equality_ids', list(136, t.int), 'Equality comparison field IDs'),
      opt(140, 'sort_order_id', t.int, 'Sort order ID'),
    ],
  };
}

/** The manifest_entry struct of a v2 manifest. */
export function manifestEntryType(partition: StructType): StructType {
  return {
    kind: 'struct',
    fields: [
      req(0, 'status', t.int),
      opt(1, 'snapshot_id', t.long),
      opt(3, 'sequence_number', t.long),
      opt(4, 'file_sequence_number', t.long),
      req(2, 'data_file', dataFileType(partition)),
    ],
  };
}

/** The manifest_file struct of a v2 manifest list. */
export const MANIFEST_FILE_TYPE: StructType = {
  kind: 'struct',
  fields: [
    req(500, 'manifest_path', t.string, 'Location URI with FS scheme'),
    req(501, 'manifest_length', t.long, 'Total file size in bytes'),
    req(502, 'partition_spec_id', t.int, 'Spec ID used to write'),
    req(517, 'content', t.int, 'Contents of the manifest: 0=data, 1=deletes'),
    req(515, 'sequence_number', t.long, 'Sequence number when the manifest was added'),
    req(516, 'min_sequence_number', t.long, 'Lowest sequence number in the manifest'),
    req(503, 'added_snapshot_id', t.long, 'Snapshot ID that added the manifest'),
    req(504, 'added_files_count', t.int, 'Added entry count'),
    req(505, 'existing_files_count', t.int, 'Existing entry count'),
    req(506, 'deleted_files_count', t.int, 'Deleted entry count'),
    req(512, 'added_rows_count', t.long, 'Added rows count'),
    req(513, 'existing_rows_count', t.long, 'Existing rows count'),
    req(514, 'deleted_rows_count', t.long, 'Deleted rows count'),
    opt(
      507,
      'partitions',
      list(508, {
        kind: 'struct',
        fields: [
          req(509, 'contains_null', t.boolean, 'True if any file has a null partition value'),
          opt(518, 'contains_nan', t.boolean, 'True if any file has a nan partition value'),
          opt(510, 'lower_bound', t.binary, 'Partition lower bound for all files'),
          opt(511, 'upper_bound', t.binary, 'Partition upper bound for all files'),
        ],
      }),
      'Summary for each partition',
    ),
    opt(519, 'key_metadata', t.binary, 'Encryption key metadata blob'),
  ],
};

/** The Avro schema JSON embedded in manifests written for `partition` (a partitionType struct). */
export function manifestAvroSchemaFor(partition: StructType): AvroSchemaJson {
  return icebergToAvroSchema(manifestEntryType(partition), 'manifest_entry');
}

/** The Avro schema JSON writeManifest embeds for a table schema + partition spec (for interop checks). */
export function manifestAvroSchema(spec: PartitionSpec, schema: Schema): AvroSchemaJson {
  return manifestAvroSchemaFor(partitionType(spec, schema));
}

/** The Avro schema JSON writeManifestList embeds. */
export function manifestListAvroSchema(): AvroSchemaJson {
  return icebergToAvroSchema(MANIFEST_FILE_TYPE, 'manifest_file');
}
