/**
 * A small argument parser: `--name value`, `--name=value`, boolean `--flag`, `-h`, `--` to end
 * options, and `-` as a positional (stdin). Hand-rolled rather than node:util parseArgs so every
 * mistake becomes one short line that names the command and points at its --help.
 */
import { FloeError } from '../errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** Shown in help: `--table <ns.name>`. */
  readonly valueName?: string;
  readonly short?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** e.g. `<file|-> --table <ns.name> [options]` */
  readonly usage: string;
  readonly positionals: readonly { readonly name: string; readonly required: boolean }[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Extra help text after the options. */
  readonly details?: string;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | undefined>;
  readonly help: boolean;
}

function usageError(spec: CommandSpec, message: string): FloeError {
  return new FloeError('usage', `${spec.name}: ${message} (see floe ${spec.name} --help)`);
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  let help = false;
  const shorts = new Map(
    Object.entries(spec.options)
      .filter(([, o]) => o.short !== undefined)
      .map(([name, o]) => [o.short as string, name]),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1) {
      name = shorts.get(arg.slice(1));
      if (name === undefined) throw usageError(spec, `unknown option ${arg}`);
    } else {
      positionals.push(arg);
      continue;
    }
    const option = spec.options[name];
    if (!option || !Object.hasOwn(spec.options, name)) throw usageError(spec, `unknown option --${name}`);
    if (option.type === 'boolean') {
      if (inline !== undefined) throw usageError(spec, `option --${name} takes no value`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // `-` (stdin) and `-5` are values; any other dash-word is the next option, so the value is missing.
      if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next))) {
        throw usageError(
          spec,
          `option --${name} needs a value${option.valueName ? ` ${option.valueName}` : ''}`,
        );
      }
      value = next;
      i++;
    }
    values[name] = value;
  }
  if (!help) {
    const max = spec.positionals.length;
    if (positionals.length > max) {
      throw usageError(spec, `unexpected argument ${JSON.stringify(positionals[max])}`);
    }
    spec.positionals.forEach((p, idx) => {
      if (p.required && positionals[idx] === undefined) throw usageError(spec, `missing ${p.name}`);
    });
  }
  return { positionals, values, help };
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`Usage: floe ${spec.name} ${spec.usage}`, '', spec.summary, ''];
  const entries = Object.entries(spec.options);
  if (entries.length > 0) {
    lines.push('Options:');
    const labels = entries.map(
      ([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.valueName ? ` ${o.valueName}` : ''}`,
    );
    const width = Math.max(...labels.map((l) => l.length), '-h, --help'.length) + 2;
    entries.forEach(([, o], i) => lines.push(`  ${(labels[i] as string).padEnd(width)}${o.description}`));
    lines.push(`  ${'-h, --help'.padEnd(width)}show this help`);
  }
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n') + '\n';
}

/** A non-negative integer option, with a usage error that names the option. */
export function intOption(spec: CommandSpec, name: string, value: string, min = 0): number {
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw usageError(spec, `--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function choiceOption<T extends string>(
  spec: CommandSpec,
  name: string,
  value: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw usageError(spec, `--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export { usageError };
