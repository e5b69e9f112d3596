import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFileIO } from './local.js';
import { fileIOFor } from './index.js';
import { S3FileIO } from './s3.js';
import { joinPath, localPath, parseS3, schemeOf, trimTrailingSlash } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-localio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The behaviour shared with the other FileIOs is tested in test/io/fileio.test.ts.
describe('LocalFileIO specifics', () => {
  const io = new LocalFileIO();
  const enc = new TextEncoder();

  it('reads Hadoop-style file:/ paths and file:/// URLs as the same file', async () => {
    const p = join(dir, 'hadoop', 'f.txt');
    await io.write(p, enc.encode('same'));
    expect(new TextDecoder().decode(await io.read(`file:${p}`))).toBe('same');
    expect(new TextDecoder().decode(await io.read(`file://${p}`))).toBe('same');
  });

  it('leaves no temp files behind after writes, exclusive conflicts and closed streams', async () => {
    const d = join(dir, 'clean');
    await io.write(join(d, 'a'), enc.encode('1'));
    await io.write(join(d, 'b'), enc.encode('1'), { exclusive: true });
    await io.write(join(d, 'b'), enc.encode('2'), { exclusive: true }).catch(() => undefined);
    const out = await io.create(join(d, 'c'));
    await out.write(enc.encode('x'));
    await out.close();
    const aborted = await io.create(join(d, 'd'));
    await aborted.abort();
    expect(readdirSync(d).sort()).toEqual(['a', 'b', 'c']);
  });

  it('never shows a half-written file: the target is absent until the stream closes', async () => {
    const p = join(dir, 'half', 'big.bin');
    const out = await io.create(p);
    await out.write(new Uint8Array(1 << 20));
    expect(await io.exists(p)).toBe(false);
    expect(await io.list(join(dir, 'half') + '/')).toEqual([]);
    await out.close();
    expect(await io.size(p)).toBe(1 << 20);
  });

  it('spells listed paths like the prefix it was given', async () => {
    const base = join(dir, 'spell');
    await io.write(join(base, 'x.txt'), enc.encode('1'));
    expect((await io.list(`file://${base}/`)).map((f) => f.path)).toEqual([`file://${base}/x.txt`]);
    expect((await io.list(`${base}/`)).map((f) => f.path)).toEqual([`${base}/x.txt`]);
  });
});

describe('paths and scheme dispatch', () => {
  it('parses s3, s3a and s3n locations', () => {
    expect(parseS3('s3://bucket/a/b.json')).toEqual({ bucket: 'bucket', key: 'a/b.json' });
    expect(parseS3('s3a://bucket')).toEqual({ bucket: 'bucket', key: '' });
    expect(parseS3('s3n://b/k')).toEqual({ bucket: 'b', key: 'k' });
    expect(() => parseS3('/local')).toThrow(/not an s3 path/);
  });

  it('classifies schemes and rejects unknown ones', () => {
    expect(schemeOf('/tmp/x')).toBe('file');
    expect(schemeOf('relative/dir')).toBe('file');
    expect(schemeOf('file:///tmp/x')).toBe('file');
    expect(schemeOf('S3://b/k')).toBe('s3');
    expect(() => schemeOf('gs://b/k')).toThrow(/unsupported storage scheme/);
  });

  it('chooses the FileIO by scheme', () => {
    expect(fileIOFor('/tmp/wh')).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('file:///tmp/wh')).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('s3://bucket/wh', { s3: { region: 'eu-west-1' } })).toBeInstanceOf(S3FileIO);
    expect(() => fileIOFor('memory://x')).toThrow(/MemoryFileIO/);
  });

  it('joins and trims paths without doubling slashes', () => {
    expect(joinPath('s3://b/wh/', '/ns', 't')).toBe('s3://b/wh/ns/t');
    expect(joinPath('/a', 'b/', 'c')).toBe('/a/b/c');
    expect(trimTrailingSlash('s3://b/wh//')).toBe('s3://b/wh');
    expect(trimTrailingSlash('/')).toBe('/');
    expect(localPath('file:///tmp/a%20b')).toBe('/tmp/a b');
    expect(localPath('file:/tmp/x')).toBe('/tmp/x');
  });
});
