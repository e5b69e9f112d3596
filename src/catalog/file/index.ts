/**
 * The embedded file catalog (Hadoop-catalog layout): `<warehouse>/<ns…>/<table>/metadata/vN.metadata.json`
 * plus `version-hint.text`. OWNER: catalog helper. Stub signature agreed by all modules.
 */
import type { FileIO } from '../../iceberg/io/fileio.js';

export interface FileCatalogOptions {
  /** A local directory or an `s3://bucket/prefix`. */
  warehouse: string;
  /** Defaults to the FileIO for the warehouse's scheme. */
  io?: FileIO;
  name?: string;
}
