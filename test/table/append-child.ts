// A child process for the concurrency test: appends `count` single-row batches to one table.
// Run with `node --import test/support/ts-register.mjs` so it is a real, separate writer process.
import { FileCatalog } from '../../src/catalog/file/index.js';
import { Table } from '../../src/iceberg/table/index.js';

const [warehouse, writer, count] = process.argv.slice(2) as [string, string, string];
const catalog = new FileCatalog({ warehouse });
const table = await Table.load(catalog, { namespace: ['db'], name: 'race' });

for (let i = 0; i < Number(count); i++) {
  const id = BigInt(Number(writer) * 1000 + i);
  // Many retries: two writers hammering one table conflict often; the point is that none is lost.
  await table.append(
    [
      {
        rowCount: 1,
        columns: new Map<number, (bigint | string)[]>([
          [1, [id]],
          [2, [`writer-${writer}`]],
        ]),
      },
    ],
    {
      retryPolicy: { retries: 50, minWaitMs: 5, maxWaitMs: 200 },
    },
  );
}
