/**
 * FileIO: how Iceberg code reaches storage. Paths are absolute: a plain local path, `file://…`
 * or `s3://bucket/key`. Implementations: local filesystem, S3, memory (unit tests).
 */
export interface WriteOptions {
  /**
   * Fail with FloeError('commit-conflict') if the file already exists: O_EXCL locally,
   * `If-None-Match: *` on S3. This is what makes the file catalog's commits atomic.
   */
  exclusive?: boolean;
  contentType?: string;
}

export interface FileInfo {
  path: string;
  size: number;
  lastModifiedMs?: number;
}

/** A sink for files too large to hold in memory (Parquet data files): streamed, multipart on S3. */
export interface OutputStream {
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the file; returns its total size in bytes. */
  close(): Promise<number>;
  /** Discards the partial file. */
  abort(): Promise<void>;
}

export interface FileIO {
  read(path: string): Promise<Uint8Array>;
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  create(path: string): Promise<OutputStream>;
  exists(path: string): Promise<boolean>;
  size(path: string): Promise<number>;
  delete(path: string): Promise<void>;
  /** Files whose path starts with `prefix` (recursive). */
  list(prefix: string): Promise<FileInfo[]>;
  /**
   * Immediate children of a directory (S3: delimiter listing), so a catalog can walk namespaces
   * without listing every data file below them. Optional: callers fall back to list().
   */
  listDir?(dir: string): Promise<DirListing>;
  /** Removes everything below `dir` (and the directory itself where directories exist). Optional. */
  deleteDirectory?(dir: string): Promise<void>;
}

export interface DirListing {
  files: FileInfo[];
  /** Child directory names (not paths), without trailing slash. */
  dirs: string[];
}
