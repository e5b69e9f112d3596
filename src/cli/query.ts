/** `floe query "SQL"`: SQL over the tables of a catalog, addressed as ns.name, run by DuckDB. */
import type { Writable } from 'node:stream';
import { formatResult, OUTPUT_FORMATS, runQuery, type OutputFormat } from '../query/index.js';
import { choiceOption, intOption, usageError, type CommandSpec, type ParsedArgs } from './args.js';
import {
  CATALOG_OPTIONS,
  catalogLabel,
  catalogOptions,
  openCatalog,
  write,
  type CliContext,
} from './context.js';

export const querySpec: CommandSpec = {
  name: 'query',
  summary: 'Run SQL over the tables (addressed as ns.name) with DuckDB, on the current snapshots.',
  usage: '"<SQL>" [--warehouse <dir>] [--catalog <kind>] [--format table|json|csv] [--max-rows <N>]',
  positionals: [{ name: '"<SQL>"', required: true }],
  options: {
    ...CATALOG_OPTIONS,
    format: {
      type: 'string',
      valueName: '<table|json|csv>',
      description: 'output: aligned table (default on a terminal), JSON lines, or CSV (default when piped)',
    },
    'max-rows': { type: 'string', valueName: '<N>', description: 'print at most N rows (default: all)' },
  },
  details: [
    'Tables are views over the Parquet files of their current snapshot, columns matched by Iceberg',
    'field id. One-level namespaces: ns.name or "ns"."name"; two-level: a.b.name. Files on s3:// are',
    'copied to a temporary directory first. JSON lines write integers and decimals with all digits.',
    'Exit codes: 0 ok; 1 unknown table or query error; 2 usage or SQL syntax error.',
  ].join('\n'),
};

function isTty(stream: Writable): boolean {
  return (stream as Writable & { isTTY?: boolean }).isTTY === true;
}

export async function queryCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const sql = args.positionals[0] as string;
  if (sql.trim() === '') throw usageError(querySpec, 'the SQL is empty');
  const format: OutputFormat =
    args.values.format === undefined
      ? isTty(ctx.stdout)
        ? 'table'
        : 'csv'
      : choiceOption(querySpec, 'format', args.values.format as string, OUTPUT_FORMATS);
  const maxRows =
    args.values['max-rows'] === undefined
      ? undefined
      : intOption(querySpec, 'max-rows', args.values['max-rows'] as string);
  const options = catalogOptions(ctx, args.values);
  const result = await runQuery({
    catalog: openCatalog(ctx, options),
    sql,
    catalogLabel: catalogLabel(options),
    ...(maxRows !== undefined ? { maxRows } : {}),
  });
  ctx.stdout.write(formatResult(result, format));
  if (result.truncated && format !== 'table') {
    write(ctx.stderr, `floe: query: output cut at --max-rows ${maxRows}; more rows exist`);
  }
  return 0;
}
