/**
 * S3 FileIO over @aws-sdk/client-s3. The SDK is loaded on first use so that commands working on a
 * local warehouse do not pay for importing it.
 *
 * Exclusive writes use `If-None-Match: *` (S3 conditional writes): the storage, not a lock, decides
 * which of two racing writers creates a file. Credentials come from the SDK's default chain (or the
 * options) and are never logged or put into error messages.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { FloeError } from '../../errors.js';
import type { DirListing, FileInfo, FileIO, OutputStream, WriteOptions } from './fileio.js';
import { parseS3 } from './paths.js';

export interface S3FileIOOptions {
  /** Use this client as is (tests, custom middleware). Other connection options are then ignored. */
  client?: S3Client;
  /** Endpoint override for emulators (moto, LocalStack, MinIO). Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Default: AWS_REGION / AWS_DEFAULT_REGION / the SDK's chain; us-east-1 with an endpoint override. */
  region?: string;
  /** Path-style addressing; defaults to true when an endpoint override is in effect (emulators lack virtual hosts). */
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
  /** Multipart part size for create(); S3 requires ≥ 5 MiB. Default 8 MiB. */
  partSizeBytes?: number;
  /** Page size for listings (S3 maximum and default 1000); smaller values exercise paging in tests. */
  listPageSize?: number;
  /** Extra client configuration (retries, checksums, request handler). */
  clientConfig?: Partial<S3ClientConfig>;
}

const MIN_PART = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

type Sdk = typeof import('@aws-sdk/client-s3');

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

function describe(err: unknown): string {
  const e = err as SdkError;
  const status = statusOf(err);
  const name = e?.name ?? 'Error';
  return `${name}${status ? ` (HTTP ${status})` : ''}${e?.message && e.message !== name ? `: ${e.message}` : ''}`;
}

export function s3Error(op: string, path: string, err: unknown): FloeError {
  if (err instanceof FloeError) return err;
  const name = (err as SdkError)?.name;
  const status = statusOf(err);
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
    return new FloeError('not-found', `${op} ${path}: no such object`, { cause: err });
  }
  if (name === 'NoSuchBucket')
    return new FloeError('not-found', `${op} ${path}: no such bucket`, { cause: err });
  // 412: the object exists. 409 ConditionalRequestConflict: another conditional write to the key is in flight.
  if (status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') {
    return new FloeError('commit-conflict', `${path} already exists`, { cause: err });
  }
  return new FloeError('io', `${op} ${path}: ${describe(err)}`, { cause: err });
}

/** Endpoint, region and addressing style as the client will use them (exported for tests and diagnostics). */
export function resolveS3Config(
  options: S3FileIOOptions,
  env: NodeJS.ProcessEnv = process.env,
): S3ClientConfig {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region =
    options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  const config: S3ClientConfig = { ...options.clientConfig };
  if (endpoint) config.endpoint = endpoint;
  if (region) config.region = region;
  const forcePathStyle = options.forcePathStyle ?? (endpoint ? true : undefined);
  if (forcePathStyle !== undefined) config.forcePathStyle = forcePathStyle;
  if (options.credentials) config.credentials = options.credentials;
  return config;
}

export class S3FileIO implements FileIO {
  private readonly options: S3FileIOOptions;
  private readonly partSize: number;
  private sdkPromise: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(options: S3FileIOOptions = {}) {
    this.options = options;
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
    if (this.partSize < MIN_PART)
      throw new FloeError('config', `S3 part size must be at least ${MIN_PART} bytes`);
  }

  private conn(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.sdkPromise ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: this.options.client ?? new sdk.S3Client(resolveS3Config(this.options)),
    }));
    return this.sdkPromise;
  }

  /** Releases sockets (tests; a long-running process keeps its client). */
  async close(): Promise<void> {
    if (!this.sdkPromise || this.options.client) return;
    (await this.sdkPromise).client.destroy();
  }

  async read(path: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
    } catch (err) {
      throw s3Error('read', path, err);
    }
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    try {
      const res = await client.send(
        new sdk.GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
    } catch (err) {
      // 416: the range starts at or past the end; same as a short local read.
      if (statusOf(err) === 416 || (err as SdkError)?.name === 'InvalidRange') return new Uint8Array(0);
      throw s3Error('read', path, err);
    }
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.exclusive ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (err) {
      throw s3Error('write', path, err);
    }
  }

  async create(path: string): Promise<OutputStream> {
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    return new MultipartStream(sdk, client, bucket, key, path, this.partSize);
  }

  private async head(path: string): Promise<{ size: number; lastModifiedMs?: number }> {
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        size: res.ContentLength ?? 0,
        ...(res.LastModified ? { lastModifiedMs: res.LastModified.getTime() } : {}),
      };
    } catch (err) {
      throw s3Error('stat', path, err);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.head(path);
      return true;
    } catch (err) {
      if (err instanceof FloeError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  async size(path: string): Promise<number> {
    return (await this.head(path)).size;
  }

  async delete(path: string): Promise<void> {
    const { bucket, key } = parseS3(path);
    const { sdk, client } = await this.conn();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      const e = s3Error('delete', path, err);
      if (e.kind === 'not-found' && (err as SdkError)?.name !== 'NoSuchBucket') return;
      throw e;
    }
  }

  /** Pages through ListObjectsV2; `delimiter` turns it into a one-level listing. */
  private async *pages(
    prefix: string,
    delimiter?: string,
  ): AsyncGenerator<{ files: FileInfo[]; dirs: string[] }> {
    const { bucket, key } = parseS3(prefix);
    const scheme = prefix.slice(0, prefix.indexOf('://') + 3);
    const { sdk, client } = await this.conn();
    let token: string | undefined;
    do {
      let res;
      try {
        res = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: key,
            ...(delimiter ? { Delimiter: delimiter } : {}),
            ...(token ? { ContinuationToken: token } : {}),
            ...(this.options.listPageSize ? { MaxKeys: this.options.listPageSize } : {}),
          }),
        );
      } catch (err) {
        throw s3Error('list', prefix, err);
      }
      const files: FileInfo[] = (res.Contents ?? [])
        .filter((o) => o.Key !== undefined)
        .map((o) => ({
          path: `${scheme}${bucket}/${o.Key}`,
          size: o.Size ?? 0,
          ...(o.LastModified ? { lastModifiedMs: o.LastModified.getTime() } : {}),
        }));
      const dirs = (res.CommonPrefixes ?? [])
        .map((p) => p.Prefix)
        .filter((p): p is string => p !== undefined)
        .map((p) => p.slice(key.length).replace(/\/$/, ''));
      yield { files, dirs };
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for await (const page of this.pages(prefix)) out.push(...page.files);
    return out;
  }

  async listDir(dir: string): Promise<DirListing> {
    const base = dir.endsWith('/') ? dir : dir + '/';
    const files: FileInfo[] = [];
    const dirs: string[] = [];
    for await (const page of this.pages(base, '/')) {
      files.push(...page.files);
      dirs.push(...page.dirs);
    }
    return { files, dirs };
  }

  async deleteDirectory(dir: string): Promise<void> {
    const base = dir.endsWith('/') ? dir : dir + '/';
    const { bucket } = parseS3(base);
    const { sdk, client } = await this.conn();
    for await (const page of this.pages(base)) {
      if (page.files.length === 0) continue;
      const keys = page.files.map((f) => ({ Key: parseS3(f.path).key }));
      for (let i = 0; i < keys.length; i += 1000) {
        let res;
        try {
          res = await client.send(
            new sdk.DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: keys.slice(i, i + 1000), Quiet: true },
            }),
          );
        } catch (err) {
          throw s3Error('delete', base, err);
        }
        const failed = res.Errors?.[0];
        if (failed)
          throw new FloeError(
            'io',
            `delete s3://${bucket}/${failed.Key}: ${failed.Code ?? ''} ${failed.Message ?? ''}`,
          );
      }
    }
  }
}

/**
 * Buffers up to one part, uploads parts while the next one fills (at most one part in flight, so
 * memory stays at about two parts), and falls back to one PutObject for files smaller than a part.
 */
class MultipartStream implements OutputStream {
  private buf: Uint8Array;
  private fill = 0;
  private total = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private done = false;

  constructor(
    private readonly sdk: Sdk,
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly path: string,
    private readonly partSize: number,
  ) {
    this.buf = new Uint8Array(partSize);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new FloeError('internal', `write after close on ${this.path}`);
    this.throwIfFailed();
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.partSize - this.fill);
      this.buf.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      this.total += n;
      if (this.fill === this.partSize) await this.flushPart();
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw s3Error('write', this.path, this.failure);
  }

  private async flushPart(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
    if (this.uploadId === undefined) {
      try {
        const res = await this.client.send(
          new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key }),
        );
        if (!res.UploadId) throw new FloeError('io', `create ${this.path}: S3 returned no upload id`);
        this.uploadId = res.UploadId;
      } catch (err) {
        throw s3Error('create', this.path, err);
      }
    }
    const body = this.buf.subarray(0, this.fill);
    const partNumber = this.parts.length + 1;
    // Reserve the slot now so part numbers stay in order whatever finishes first.
    this.parts.push({ ETag: '', PartNumber: partNumber });
    this.buf = new Uint8Array(this.partSize);
    this.fill = 0;
    const uploadId = this.uploadId;
    this.inFlight = this.client
      .send(
        new this.sdk.UploadPartCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then((res) => {
        const slot = this.parts[partNumber - 1];
        if (!res.ETag || !slot)
          throw new FloeError('io', `upload part ${partNumber} of ${this.path}: no ETag`);
        slot.ETag = res.ETag;
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }

  async close(): Promise<number> {
    if (this.done) throw new FloeError('internal', `output stream for ${this.path} is already closed`);
    this.done = true;
    try {
      if (this.uploadId === undefined) {
        const body = this.buf.subarray(0, this.fill);
        await this.client.send(
          new this.sdk.PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: body,
            ContentLength: body.length,
          }),
        );
        return this.total;
      }
      if (this.fill > 0) await this.flushPart();
      await this.inFlight;
      this.throwIfFailed();
      await this.client.send(
        new this.sdk.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
      return this.total;
    } catch (err) {
      await this.abortUpload();
      throw s3Error('write', this.path, err);
    } finally {
      this.buf = new Uint8Array(0);
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    this.buf = new Uint8Array(0);
    await this.abortUpload();
  }

  /** An unaborted multipart upload keeps its parts (and their cost) forever: always abort on failure. */
  private async abortUpload(): Promise<void> {
    const uploadId = this.uploadId;
    if (uploadId === undefined) return;
    this.uploadId = undefined;
    await this.inFlight?.catch(() => undefined);
    try {
      await this.client.send(
        new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }),
      );
    } catch {
      // Best effort: a bucket lifecycle rule for incomplete uploads is the backstop.
    }
  }
}
