/**
 * The behaviour every FileIO must share, run against each implementation (memory, local, S3 on moto).
 * `root` is a fresh directory/prefix for the implementation under test.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import type { FileIO } from '../../src/iceberg/io/fileio.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function fileIOContract(name: string, setup: () => { io: () => FileIO; base: () => string }): void {
  describe(`FileIO contract: ${name}`, () => {
    const ctx = setup();
    // Each test gets its own directory under the base so tests cannot see each other's files.
    let testNo = 0;
    let root = '';
    beforeEach(() => {
      root = `${ctx.base()}/t${testNo++}`;
    });
    const p = (rel: string): string => `${root}/${rel}`;

    it('writes, reads back, sizes and checks existence', async () => {
      const io = ctx.io();
      expect(await io.exists(p('a/b.txt'))).toBe(false);
      await io.write(p('a/b.txt'), enc.encode('hello world'));
      expect(await io.exists(p('a/b.txt'))).toBe(true);
      expect(dec.decode(await io.read(p('a/b.txt')))).toBe('hello world');
      expect(await io.size(p('a/b.txt'))).toBe(11);
    });

    it('replaces an existing file on a plain write', async () => {
      const io = ctx.io();
      await io.write(p('r.txt'), enc.encode('one'));
      await io.write(p('r.txt'), enc.encode('two!'));
      expect(dec.decode(await io.read(p('r.txt')))).toBe('two!');
    });

    it('reads byte ranges, clipped at the end of the file', async () => {
      const io = ctx.io();
      await io.write(p('range.bin'), enc.encode('0123456789'));
      expect(dec.decode(await io.readRange(p('range.bin'), 2, 3))).toBe('234');
      expect(dec.decode(await io.readRange(p('range.bin'), 7, 10))).toBe('789');
      expect((await io.readRange(p('range.bin'), 0, 0)).length).toBe(0);
    });

    it('fails an exclusive write to an existing file with a retryable commit-conflict and keeps the old content', async () => {
      const io = ctx.io();
      await io.write(p('x/v1.json'), enc.encode('first'), { exclusive: true });
      const err = await io
        .write(p('x/v1.json'), enc.encode('second'), { exclusive: true })
        .catch((e: unknown) => e);
      expect(isFloeError(err, 'commit-conflict')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
      expect(dec.decode(await io.read(p('x/v1.json')))).toBe('first');
    });

    it('lets exactly one of many concurrent exclusive writers win', async () => {
      const io = ctx.io();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          io.write(p('race/v2.json'), enc.encode(`writer-${i}`), { exclusive: true }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won.length).toBe(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(isFloeError(r.reason, 'commit-conflict')).toBe(true);
      }
      expect(dec.decode(await io.read(p('race/v2.json')))).toMatch(/^writer-\d$/);
    });

    it('reports missing files as not-found', async () => {
      const io = ctx.io();
      const err = await io.read(p('missing.txt')).catch((e: unknown) => e);
      expect(isFloeError(err, 'not-found')).toBe(true);
      const err2 = await io.size(p('missing.txt')).catch((e: unknown) => e);
      expect(isFloeError(err2, 'not-found')).toBe(true);
    });

    it('deletes files, and deleting a missing file is not an error', async () => {
      const io = ctx.io();
      await io.write(p('d.txt'), enc.encode('x'));
      await io.delete(p('d.txt'));
      expect(await io.exists(p('d.txt'))).toBe(false);
      await io.delete(p('d.txt'));
    });

    it('streams a file through create() and makes it visible only on close', async () => {
      const io = ctx.io();
      const out = await io.create(p('stream/data.bin'));
      await out.write(enc.encode('abc'));
      await out.write(enc.encode('defg'));
      expect(await io.exists(p('stream/data.bin'))).toBe(false);
      expect(await out.close()).toBe(7);
      expect(dec.decode(await io.read(p('stream/data.bin')))).toBe('abcdefg');
    });

    it('leaves nothing behind when a stream is aborted', async () => {
      const io = ctx.io();
      const out = await io.create(p('aborted/data.bin'));
      await out.write(enc.encode('partial'));
      await out.abort();
      expect(await io.exists(p('aborted/data.bin'))).toBe(false);
      expect(await io.list(p('aborted/'))).toEqual([]);
    });

    it('lists recursively by prefix, sorted, with sizes', async () => {
      const io = ctx.io();
      await io.write(p('l/one.txt'), enc.encode('1'));
      await io.write(p('l/sub/two.txt'), enc.encode('22'));
      await io.write(p('l/sub/deeper/three.txt'), enc.encode('333'));
      await io.write(p('lx/other.txt'), enc.encode('4444'));
      const all = await io.list(p('l/'));
      expect(all.map((f) => f.path).sort()).toEqual(
        [p('l/one.txt'), p('l/sub/deeper/three.txt'), p('l/sub/two.txt')].sort(),
      );
      expect(all.find((f) => f.path.endsWith('three.txt'))?.size).toBe(3);
      // A prefix that is not a directory matches by string prefix.
      const partial = await io.list(p('l/sub/t'));
      expect(partial.map((f) => f.path)).toEqual([p('l/sub/two.txt')]);
      expect(await io.list(p('nothing-here/'))).toEqual([]);
    });

    it('lists one directory level with listDir', async () => {
      const io = ctx.io();
      if (!io.listDir) return expect(io.listDir).toBeUndefined();
      await io.write(p('ld/f1.txt'), enc.encode('1'));
      await io.write(p('ld/a/f2.txt'), enc.encode('2'));
      await io.write(p('ld/b/c/f3.txt'), enc.encode('3'));
      const listing = await io.listDir(p('ld'));
      expect(listing.files.map((f) => f.path)).toEqual([p('ld/f1.txt')]);
      expect([...listing.dirs].sort()).toEqual(['a', 'b']);
      expect(await io.listDir(p('ld-missing'))).toEqual({ files: [], dirs: [] });
    });

    it('deletes a directory tree with deleteDirectory', async () => {
      const io = ctx.io();
      if (!io.deleteDirectory) return expect(io.deleteDirectory).toBeUndefined();
      await io.write(p('dd/x/1.txt'), enc.encode('1'));
      await io.write(p('dd/2.txt'), enc.encode('2'));
      await io.write(p('ddkeep.txt'), enc.encode('3'));
      await io.deleteDirectory(p('dd'));
      expect(await io.list(p('dd/'))).toEqual([]);
      expect(await io.exists(p('ddkeep.txt'))).toBe(true);
    });
  });
}
