/** FileIO implementations and the scheme dispatch. */
import { FloeError } from '../../errors.js';
import type { FileIO } from './fileio.js';
import { LocalFileIO } from './local.js';
import { schemeOf } from './paths.js';
import { S3FileIO, type S3FileIOOptions } from './s3.js';

export type { DirListing, FileInfo, FileIO, OutputStream, WriteOptions } from './fileio.js';
export { LocalFileIO } from './local.js';
export { MemoryFileIO } from './memory.js';
export { S3FileIO, resolveS3Config, DEFAULT_PART_SIZE, type S3FileIOOptions } from './s3.js';
export {
  joinPath,
  localPath,
  parseS3,
  schemeOf,
  trimTrailingSlash,
  type Scheme,
  type S3Location,
} from './paths.js';

export interface FileIOForOptions {
  s3?: S3FileIOOptions;
}

/** The FileIO for a path's scheme: local paths and file:// → LocalFileIO, s3:// (s3a, s3n) → S3FileIO. */
export function fileIOFor(path: string, options: FileIOForOptions = {}): FileIO {
  switch (schemeOf(path)) {
    case 'file':
      return new LocalFileIO();
    case 's3':
      return new S3FileIO(options.s3);
    case 'memory':
      // A fresh empty store would silently lose data: memory IO must be passed in explicitly.
      throw new FloeError('unsupported', `memory: paths need an explicit MemoryFileIO instance`);
  }
}
