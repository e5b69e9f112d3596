/**
 * `floe demo`: loads the bundled NYC-311 sample into demo.nyc311 (partitioned by day(created_date))
 * and shows the table. The sample has a few deliberately dirty rows, so the demo allows bad rows
 * and writes them next to the warehouse, which also shows what the rejected-rows file looks like.
 */
import { join } from 'node:path';
import { parseTableIdentifier } from '../iceberg/catalog.js';
import type { CommandSpec, ParsedArgs } from './args.js';
import { packageRoot, resolveWarehouse, write, type CliContext } from './context.js';
import { inspectCommand } from './inspect.js';
import { runLoad, summaryText } from './load.js';
import { DEFAULT_BATCH_ROWS, DEFAULT_INFER_SAMPLE } from '../records/index.js';

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary:
    'Load examples/nyc311-sample.csv into demo.nyc311 (partitioned by day(created_date)) and inspect it.',
  usage: '[--warehouse <dir>]',
  positionals: [],
  options: {
    warehouse: {
      type: 'string',
      valueName: '<dir>',
      description: 'warehouse root (default $FLOE_WAREHOUSE or ./warehouse)',
    },
  },
  details: 'Each run appends the sample once more, as a new snapshot.',
};

export async function demoCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const warehouse = resolveWarehouse(ctx, args.values.warehouse as string | undefined);
  const examples = join(packageRoot(), 'examples');
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(warehouse);
  const summary = await runLoad(ctx, {
    input: join(examples, 'nyc311-sample.csv'),
    table: parseTableIdentifier('demo.nyc311'),
    schemaPath: join(examples, 'nyc311.schema.json'),
    partition: 'day(created_date)',
    catalog: { catalog: 'file', warehouse },
    maxBadRows: Infinity,
    rejectedPath: local
      ? join(warehouse, 'demo.nyc311.rejected.ndjson')
      : join(ctx.cwd, 'demo.nyc311.rejected.ndjson'),
    batchRows: DEFAULT_BATCH_ROWS,
    inferRows: DEFAULT_INFER_SAMPLE,
    json: false,
  });
  write(ctx.stdout, summaryText(summary) + '\n');
  return inspectCommand(ctx, {
    positionals: ['demo.nyc311'],
    values: { warehouse, catalog: 'file' },
    help: false,
  });
}
