/** resetStreamPositions: what a fresh dev stream does to the table's committed positions. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { catalogFromOptions } from '../../src/catalog/index.js';
import { readSchemaFile } from '../../src/cli/load.js';
import { positionsFromSummary } from '../../src/consumer/position.js';
import { parseTableIdentifier } from '../../src/iceberg/catalog.js';
import { Table } from '../../src/iceberg/table/index.js';
import { resetStreamPositions } from '../../src/dev/stream.js';
import { ROOT } from '../consumer/helpers.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('drops only the positions of the recreated stream, and is a no-op when there are none', async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-dev-reset-'));
  const catalog = catalogFromOptions({ catalog: 'file', warehouse: dir });
  const identifier = parseTableIdentifier('demo.nyc311');
  await catalog.createNamespace(['demo']);
  const schema = await readSchemaFile(join(ROOT, 'examples/nyc311.schema.json'));
  const table = await Table.create(catalog, { identifier, schema });
  expect(await resetStreamPositions(table, 'floe-dev')).toEqual({});
  expect(table.currentSnapshot()).toBeUndefined();

  await table.appendFiles([], {
    summary: {
      'floe.kinesis.floe-dev.shardId-000000000000': '4968',
      'floe.kinesis.floe-dev.shardId-000000000001': 'end',
      'floe.kinesis.floe-dev.other.shardId-000000000000': '7', // stream "floe-dev.other"
      'floe.kinesis.orders.shardId-000000000000': '12',
    },
  });
  const dropped = await resetStreamPositions(table, 'floe-dev');
  expect(dropped).toEqual({ 'shardId-000000000000': '4968', 'shardId-000000000001': 'end' });

  const reloaded = await Table.load(catalog, identifier);
  const head = reloaded.currentSnapshot()!;
  expect(positionsFromSummary(head.summary, 'floe-dev').size).toBe(0);
  expect(positionsFromSummary(head.summary, 'floe-dev.other').size).toBe(1);
  expect(positionsFromSummary(head.summary, 'orders').size).toBe(1);
  expect(head.summary['floe.dev.positions-reset']).toBe('floe-dev');
  expect(reloaded.metadata.snapshots).toHaveLength(2);

  // Nothing left to reset: no further snapshot.
  expect(await resetStreamPositions(reloaded, 'floe-dev')).toEqual({});
  expect((await Table.load(catalog, identifier)).metadata.snapshots).toHaveLength(2);
});
