import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { catalogFromOptions } from '../../src/catalog/index.js';
import { catalogBehaviour } from './behaviour.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalogs-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('file catalog', () => {
  catalogBehaviour('file', () => ({
    catalog: () => catalogFromOptions({ catalog: 'file', warehouse: join(dir, 'wh') }),
    namespace: () => [`ns${n++}`],
    implicitNamespaces: true,
  }));
});
