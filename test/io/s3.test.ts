/**
 * S3FileIO and the file catalog over the wire, against a real moto server: conditional creates
 * (If-None-Match), ranges, multipart uploads, paged listings, and a catalog on an s3:// warehouse.
 */
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { isFloeError } from '../../src/errors.js';
import { fileIOFor } from '../../src/iceberg/io/index.js';
import { S3FileIO } from '../../src/iceberg/io/s3.js';
import { startMoto, type Moto } from '../setup/moto.js';
import { appendUpdates, catalogContract, schema } from '../catalog/catalog-contract.js';
import { fileIOContract } from './fileio-contract.js';

let moto: Moto;
let client: S3Client;
let io: S3FileIO;
const BUCKET = 'floe-test';
const MiB = 1024 * 1024;

beforeAll(async () => {
  moto = await startMoto();
  client = new S3Client({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
    forcePathStyle: true,
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  io = new S3FileIO({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
    partSizeBytes: 5 * MiB,
  });
});

afterAll(async () => {
  await io?.close();
  client?.destroy();
  await moto?.stop();
});

fileIOContract('S3FileIO on moto', () => ({ io: () => io, base: () => `s3://${BUCKET}/contract` }));

let wh = 0;
catalogContract('S3 (moto)', () => ({ io: () => io, warehouse: () => `s3://${BUCKET}/warehouse${wh++}` }));

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('S3FileIO specifics on moto', () => {
  it('uploads a large stream in 5 MiB parts and reads ranges across part boundaries', async () => {
    const data = pattern(12 * MiB + 123, 7);
    const out = await io.create(`s3://${BUCKET}/multi/big.bin`);
    // Odd chunk sizes so parts are cut in the middle of writes.
    for (let off = 0; off < data.length; off += 777_777) await out.write(data.subarray(off, off + 777_777));
    expect(await out.close()).toBe(data.length);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi/big.bin' }));
    expect(head.ETag).toMatch(/-3"?$/); // a multipart object's ETag ends with its part count
    expect(await io.size(`s3://${BUCKET}/multi/big.bin`)).toBe(data.length);
    const back = await io.read(`s3://${BUCKET}/multi/big.bin`);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
    const range = await io.readRange(`s3://${BUCKET}/multi/big.bin`, 5 * MiB - 10, 20);
    expect([...range]).toEqual([...data.subarray(5 * MiB - 10, 5 * MiB + 10)]);
  });

  it('sends files smaller than a part as one PutObject', async () => {
    const out = await io.create(`s3://${BUCKET}/multi/small.bin`);
    await out.write(pattern(1000, 3));
    await out.close();
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi/small.bin' }));
    expect(head.ETag).not.toMatch(/-\d+"?$/);
  });

  it('aborts the multipart upload when the stream is aborted: no object, no dangling upload', async () => {
    const out = await io.create(`s3://${BUCKET}/multi/aborted.bin`);
    await out.write(pattern(6 * MiB, 1)); // one full part goes up
    await out.abort();
    expect(await io.exists(`s3://${BUCKET}/multi/aborted.bin`)).toBe(false);
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'multi/aborted' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('pages through listings (page size 7, 40 keys) and one-level directory listings', async () => {
    const paged = new S3FileIO({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
      listPageSize: 7,
    });
    try {
      const keys = Array.from(
        { length: 40 },
        (_, i) => `s3://${BUCKET}/paged/${i % 4}/f${String(i).padStart(2, '0')}.txt`,
      );
      await Promise.all(keys.map((k) => io.write(k, new TextEncoder().encode(k))));
      await io.write(`s3://${BUCKET}/paged/top.txt`, new Uint8Array([1]));
      const all = await paged.list(`s3://${BUCKET}/paged/`);
      expect(all.length).toBe(41);
      expect(new Set(all.map((f) => f.path))).toEqual(new Set([...keys, `s3://${BUCKET}/paged/top.txt`]));
      const listing = await paged.listDir(`s3://${BUCKET}/paged`);
      expect(listing.dirs.sort()).toEqual(['0', '1', '2', '3']);
      expect(listing.files.map((f) => f.path)).toEqual([`s3://${BUCKET}/paged/top.txt`]);
      await paged.deleteDirectory(`s3://${BUCKET}/paged`);
      expect(await io.list(`s3://${BUCKET}/paged/`)).toEqual([]);
    } finally {
      await paged.close();
    }
  });

  it('maps a missing bucket to not-found', async () => {
    const err = await io.read('s3://no-such-bucket-here/x').catch((e: unknown) => e);
    expect(isFloeError(err, 'not-found')).toBe(true);
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3 with path-style addressing (fileIOFor)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_REGION: moto.region,
    });
    const fromEnv = fileIOFor(`s3://${BUCKET}/env`) as S3FileIO;
    try {
      await fromEnv.write(`s3://${BUCKET}/env/x.txt`, new TextEncoder().encode('via env'));
      expect(new TextDecoder().decode(await io.read(`s3://${BUCKET}/env/x.txt`))).toBe('via env');
    } finally {
      await fromEnv.close();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('serialises racing catalog commits on S3 through If-None-Match', async () => {
    const catalog = new FileCatalog({ warehouse: `s3://${BUCKET}/race`, io });
    const id = { namespace: ['ns'], name: 't' };
    const v1 = await catalog.createTable({ identifier: id, schema });
    // All four commit on top of the empty table. The overlapping ones are decided by the exclusive
    // create; one that starts after a winner finished is decided by the requirement. Without the
    // requirement a late starter would legitimately commit on top of the winner (seen in CI).
    const onEmptyMain = [{ type: 'assert-ref-snapshot-id' as const, ref: 'main', snapshotId: null }];
    const results = await Promise.allSettled(
      [1n, 2n, 3n, 4n].map((n) =>
        catalog.commitTable({
          identifier: id,
          requirements: onEmptyMain,
          updates: appendUpdates(v1.metadata, n),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    for (const r of results)
      if (r.status === 'rejected') expect(isFloeError(r.reason, 'commit-conflict')).toBe(true);
    expect((await catalog.loadTable(id)).metadata.snapshots.length).toBe(1);
  });
});
