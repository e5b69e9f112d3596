/**
 * Path parsing shared by the FileIO implementations and the catalogs. Paths are strings so that
 * they can be stored verbatim in Iceberg metadata; these helpers only interpret them.
 */
import { fileURLToPath } from 'node:url';
import { FloeError } from '../../errors.js';

export type Scheme = 'file' | 's3' | 'memory';

/** `s3a://` and `s3n://` are Hadoop's spellings of the same store; engines write them in metadata. */
const S3_SCHEMES = ['s3://', 's3a://', 's3n://'];

export function schemeOf(path: string): Scheme {
  const lower = path.slice(0, 8).toLowerCase();
  if (S3_SCHEMES.some((s) => lower.startsWith(s))) return 's3';
  if (lower.startsWith('memory:')) return 'memory';
  if (lower.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return 'file';
  throw new FloeError(
    'unsupported',
    `unsupported storage scheme in "${path}" (expected a local path, file:// or s3://)`,
  );
}

export interface S3Location {
  bucket: string;
  /** Object key, no leading slash; may be '' for the bucket root. */
  key: string;
}

export function parseS3(path: string): S3Location {
  const m = /^s3[an]?:\/\/([^/]+)\/?(.*)$/i.exec(path);
  if (!m || !m[1]) throw new FloeError('usage', `not an s3 path: "${path}"`);
  return { bucket: m[1], key: m[2] ?? '' };
}

/**
 * Local filesystem path of a plain path or a file URL. Hadoop writes `file:/abs/path` (one slash),
 * Java's URI writes `file:///abs/path`; both appear in Iceberg metadata written by other engines.
 */
export function localPath(path: string): string {
  if (!path.toLowerCase().startsWith('file:')) return path;
  if (path.startsWith('file://')) return fileURLToPath(path);
  return fileURLToPath('file://' + path.slice('file:'.length));
}

/** Joins path segments with single slashes, keeping the scheme's `//`. */
export function joinPath(base: string, ...parts: string[]): string {
  let out = base;
  for (const p of parts) {
    if (p === '') continue;
    out = out.endsWith('/') ? out + p.replace(/^\/+/, '') : out + '/' + p.replace(/^\/+/, '');
  }
  return out;
}

/** `base` without trailing slashes (but `s3://bucket` and `/` stay meaningful). */
export function trimTrailingSlash(path: string): string {
  let out = path;
  while (out.length > 1 && out.endsWith('/') && !out.endsWith('://')) out = out.slice(0, -1);
  return out;
}
