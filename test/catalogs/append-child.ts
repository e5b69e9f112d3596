/**
 * One writer of the cross-process append test: `count` appends of one row each through
 * Table.append (the real retry policy) to the table, via catalogFromOptions. Prints `ready`, waits
 * for a line on stdin, appends, then prints {"retries": n, "reappends": n}.
 *
 * argv: <catalog options JSON> <namespace.table> <count> <writer number>
 */
import { catalogFromOptions } from '../../src/catalog/index.js';
import { isFloeError } from '../../src/errors.js';
import { parseTableIdentifier } from '../../src/iceberg/catalog.js';
import { Table } from '../../src/iceberg/table/index.js';
import type { Value } from '../../src/iceberg/spec/types.js';

const [optionsJson, tableName, countText, writerText] = process.argv.slice(2);
if (!optionsJson || !tableName || !countText || !writerText)
  throw new Error('usage: append-child.ts <opts> <table> <count> <writer>');
const catalog = catalogFromOptions(JSON.parse(optionsJson));
const writer = Number(writerText);
let reappends = 0;

process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();

const table = await Table.load(catalog, parseTableIdentifier(tableName));
for (let i = 0; i < Number(countText); i++) {
  const id = BigInt(writer * 1000 + i);
  for (;;) {
    try {
      await table.append([
        {
          rowCount: 1,
          columns: new Map<number, Value[]>([
            [1, [id]],
            [2, [`w${writer}-${i}`]],
          ]),
        },
      ]);
      break;
    } catch (err) {
      // The policy's retries ran out on definite conflicts: nothing was committed, append again
      // (what the consumer does with a batch). An unknown outcome must not be re-appended blindly.
      if (!isFloeError(err, 'commit-conflict')) throw err;
      reappends++;
      await table.refresh();
    }
  }
}
process.stdout.write(JSON.stringify({ reappends }) + '\n');
