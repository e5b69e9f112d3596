import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalFileIO } from '../../src/iceberg/io/local.js';
import { MemoryFileIO } from '../../src/iceberg/io/memory.js';
import { catalogContract } from './catalog-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

catalogContract('memory', () => ({ io: () => new MemoryFileIO(), warehouse: () => `s3://mem/wh${n++}` }));
catalogContract('a local directory', () => ({
  io: () => new LocalFileIO(),
  warehouse: () => join(dir, `wh${n++}`),
}));
