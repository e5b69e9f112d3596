// The shared FileIO contract for the in-process implementations; S3 runs it against moto in s3.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { LocalFileIO } from '../../src/iceberg/io/local.js';
import { MemoryFileIO } from '../../src/iceberg/io/memory.js';
import { fileIOContract } from './fileio-contract.js';

const memory = new MemoryFileIO();
const local = new LocalFileIO();
const dir = mkdtempSync(join(tmpdir(), 'floe-fileio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

fileIOContract('MemoryFileIO', () => ({ io: () => memory, base: () => 'memory://bucket' }));
fileIOContract('LocalFileIO (plain paths)', () => ({ io: () => local, base: () => join(dir, 'plain') }));
fileIOContract('LocalFileIO (file:// URLs)', () => ({
  io: () => local,
  base: () => pathToFileURL(join(dir, 'url')).href,
}));
