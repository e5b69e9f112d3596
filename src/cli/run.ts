/**
 * Command dispatch and the error policy: user errors (FloeError.isUserError) print one line,
 * exit 2 for usage/config and 1 otherwise; other errors print one line plus a hint, and the stack
 * only with FLOE_DEBUG=1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FloeError, isFloeError } from '../errors.js';
import { formatHelp, parseCommandArgs, type CommandSpec, type ParsedArgs } from './args.js';
import { CATALOG_ENV_HELP, packageRoot, write, type CliContext } from './context.js';
import { consumeCommand, consumeSpec } from './consume.js';
import { demoCommand, demoSpec } from './demo.js';
import { inspectCommand, inspectSpec, tablesCommand, tablesSpec } from './inspect.js';
import { loadCommand, loadSpec } from './load.js';
import { produceCommand, produceSpec } from './produce.js';

interface Command {
  readonly spec: CommandSpec;
  readonly run: (ctx: CliContext, args: ParsedArgs) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  { spec: loadSpec, run: loadCommand },
  { spec: produceSpec, run: produceCommand },
  { spec: consumeSpec, run: consumeCommand },
  { spec: tablesSpec, run: tablesCommand },
  { spec: inspectSpec, run: inspectCommand },
  { spec: demoSpec, run: demoCommand },
];

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    'Usage: floe <command> [options]',
    '',
    'floe lands records in Apache Iceberg tables.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    `  ${'help'.padEnd(width)}help for a command: floe help <command>`,
    '',
    'Environment: FLOE_WAREHOUSE (default warehouse), FLOE_DEBUG=1 (stack traces).',
    CATALOG_ENV_HELP,
    '',
  ].join('\n');
}

export function exitCodeFor(err: unknown): number {
  return isFloeError(err) && (err.kind === 'usage' || err.kind === 'config') ? 2 : 1;
}

/** Runs the CLI; returns the process exit code. Never throws. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const debug = ctx.env.FLOE_DEBUG === '1';
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      (name === undefined ? ctx.stderr : ctx.stdout).write(mainHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      write(ctx.stdout, version());
      return 0;
    }
    if (name === 'help') {
      const target = COMMANDS.find((c) => c.spec.name === rest[0]);
      if (rest[0] !== undefined && !target)
        throw new FloeError('usage', `help: unknown command "${rest[0]}" (see floe --help)`);
      ctx.stdout.write(target ? formatHelp(target.spec) : mainHelp());
      return 0;
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) {
      throw new FloeError(
        'usage',
        `unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}" (see floe --help)`,
      );
    }
    const args = parseCommandArgs(command.spec, rest);
    if (args.help) {
      ctx.stdout.write(formatHelp(command.spec));
      return 0;
    }
    return await command.run(ctx, args);
  } catch (err) {
    const code = exitCodeFor(err);
    if (isFloeError(err) && err.isUserError) {
      write(ctx.stderr, `floe: ${err.message}`);
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      const kind = isFloeError(err) ? `${err.kind} error` : 'error';
      write(ctx.stderr, `floe: ${kind}: ${msg}${debug ? '' : ' (FLOE_DEBUG=1 shows the stack trace)'}`);
    }
    if (debug && err instanceof Error && err.stack) write(ctx.stderr, err.stack);
    return code;
  }
}
