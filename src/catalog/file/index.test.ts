import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError, isFloeError } from '../../errors.js';
import type { FileIO, WriteOptions } from '../../iceberg/io/fileio.js';
import { LocalFileIO } from '../../iceberg/io/local.js';
import { MemoryFileIO } from '../../iceberg/io/memory.js';
import { FileCatalog, normalizeWarehouse } from './index.js';
import { Schema } from '../../iceberg/spec/schema.js';
import { t } from '../../iceberg/spec/types.js';

// The storage-independent behaviour runs in test/catalog/file-catalog.test.ts (memory, local) and
// test/catalog/s3.test.ts (moto). These tests cover what only a fault-injecting FileIO can show.

const schema = new Schema([{ id: 1, name: 'id', required: true, type: t.long }]);
const id = { namespace: ['ns'], name: 't' };
const dir = mkdtempSync(join(tmpdir(), 'floe-filecat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails the next exclusive write of a v2 metadata file, after (lostResponse) or instead of writing it. */
class FlakyIO extends MemoryFileIO {
  mode: 'lost-response' | 'failed' | 'none' = 'none';
  override async write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    if (options?.exclusive && path.endsWith('/v2.metadata.json') && this.mode !== 'none') {
      const mode = this.mode;
      this.mode = 'none';
      if (mode === 'lost-response') await super.write(path, data, options);
      throw new FloeError('io', 'socket hang up');
    }
    return super.write(path, data, options);
  }
}

async function withTable(io: FileIO, warehouse: string): Promise<FileCatalog> {
  const catalog = new FileCatalog({ warehouse, io });
  await catalog.createTable({ identifier: id, schema });
  return catalog;
}

describe('FileCatalog commit outcomes', () => {
  it('treats a lost response as committed when our bytes are there', async () => {
    const io = new FlakyIO();
    const catalog = await withTable(io, 's3://bucket/wh');
    io.mode = 'lost-response';
    const committed = await catalog.commitTable({
      identifier: id,
      requirements: [],
      updates: [{ action: 'set-properties', updates: { k: 'v' } }],
    });
    expect(committed.metadataLocation).toBe('s3://bucket/wh/ns/t/metadata/v2.metadata.json');
    expect((await catalog.loadTable(id)).metadata.properties).toEqual({ k: 'v' });
  });

  it('reports commit-state-unknown on S3 when the write failed and nothing can be seen', async () => {
    const io = new FlakyIO();
    const catalog = await withTable(io, 's3://bucket/wh');
    io.mode = 'failed';
    try {
      await catalog.commitTable({
        identifier: id,
        requirements: [],
        updates: [{ action: 'set-properties', updates: { k: 'v' } }],
      });
      expect.unreachable();
    } catch (err) {
      expect(isFloeError(err, 'commit-state-unknown')).toBe(true);
      expect((err as FloeError).message).toMatch(/cannot tell whether version 2 was committed/);
    }
  });

  it('keeps a failed local write a plain io error: a local write that left no file did not happen', async () => {
    const io = new FlakyIO();
    const catalog = await withTable(io, join(dir, 'flaky'));
    io.mode = 'failed';
    const err = await catalog
      .commitTable({
        identifier: id,
        requirements: [],
        updates: [{ action: 'set-properties', updates: { k: 'v' } }],
      })
      .catch((e: unknown) => e);
    expect(isFloeError(err, 'io')).toBe(true);
  });

  it('still commits when the version hint cannot be written', async () => {
    class NoHint extends MemoryFileIO {
      override async write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
        if (path.endsWith('version-hint.text')) throw new FloeError('io', 'denied');
        return super.write(path, data, options);
      }
    }
    const catalog = await withTable(new NoHint(), 's3://bucket/wh');
    await catalog.commitTable({
      identifier: id,
      requirements: [],
      updates: [{ action: 'set-properties', updates: { k: 'v' } }],
    });
    expect((await catalog.loadTable(id)).metadataLocation).toMatch(/v2\.metadata\.json$/);
  });
});

describe('FileCatalog layout', () => {
  it('stores local warehouses as absolute plain paths', () => {
    expect(normalizeWarehouse('file:///tmp/wh/')).toBe('/tmp/wh');
    expect(normalizeWarehouse('rel/wh')).toBe(join(process.cwd(), 'rel/wh'));
    expect(normalizeWarehouse('s3://b/wh/')).toBe('s3://b/wh');
    expect(() => normalizeWarehouse(' ')).toThrow(/empty/);
  });

  it('writes the hint without a newline, as Hadoop and DuckDB expect', async () => {
    await withTable(new LocalFileIO(), join(dir, 'hint'));
    expect(readFileSync(join(dir, 'hint', 'ns', 't', 'metadata', 'version-hint.text'), 'utf8')).toBe('1');
  });
});
