// A child process for the concurrency test: appends `count` single-row batches to one table.
// Imports the compiled build so it runs as a real, separate writer.
import { FileCatalog } from '../../dist/catalog/file/index.js';
import { Table } from '../../dist/iceberg/table/index.js';

const [warehouse, writer, count] = process.argv.slice(2);
const catalog = new FileCatalog({ warehouse });
const table = await Table.load(catalog, { namespace: ['db'], name: 'race' });

for (let i = 0; i < Number(count); i++) {
  const id = BigInt(Number(writer) * 1000 + i);
  // Many retries: two writers hammering one table conflict often; the point is that none is lost.
  await table.append([{ rowCount: 1, columns: new Map([[1, [id]], [2, [`writer-${writer}`]]]) }], {
    retryPolicy: { retries: 50, minWaitMs: 5, maxWaitMs: 200 },
  });
}

