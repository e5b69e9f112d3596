/** Options and parsing shared by the commands that read input files (load, produce). */
import { RECORD_FORMATS, type RecordFormat } from '../records/index.js';
import { choiceOption, intOption, usageError, type CommandSpec, type OptionSpec } from './args.js';

export const INPUT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  format: {
    type: 'string',
    valueName: '<csv|json|ndjson>',
    description: 'input format (default: from the extension, else sniffed)',
  },
  delimiter: {
    type: 'string',
    valueName: '<char>',
    description: 'CSV field delimiter (default , ; tab for .tsv)',
  },
  quote: { type: 'string', valueName: '<char>', description: 'CSV quote character (default ")' },
};

export interface InputDialect {
  format?: RecordFormat;
  delimiter?: string;
  quote?: string;
}

function singleChar(spec: CommandSpec, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value === '\\t' || value === 'tab' ? '\t' : value;
  if (v.length !== 1)
    throw usageError(spec, `--${name} must be a single character, got ${JSON.stringify(value)}`);
  return v;
}

/** --format, --delimiter (tab for .tsv inputs) and --quote, checked. */
export function inputDialect(
  spec: CommandSpec,
  values: Readonly<Record<string, string | boolean | undefined>>,
  input: string,
): InputDialect {
  const format = values.format as string | undefined;
  const delimiter =
    singleChar(spec, 'delimiter', values.delimiter as string | undefined) ??
    (/\.tsv(\.gz)?$/i.test(input) ? '\t' : undefined);
  const quote = singleChar(spec, 'quote', values.quote as string | undefined);
  if (delimiter !== undefined && quote !== undefined && delimiter === quote) {
    throw usageError(spec, '--delimiter and --quote must differ');
  }
  return {
    ...(format !== undefined ? { format: choiceOption(spec, 'format', format, RECORD_FORMATS) } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(quote !== undefined ? { quote } : {}),
  };
}

/** A bad-record allowance: a count, or `unlimited` (also `all`); default 0. */
export function badRecordLimit(spec: CommandSpec, name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  return value === 'unlimited' || value === 'all' ? Infinity : intOption(spec, name, value);
}
