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

interface Command {
  readonly spec: CommandSpec;
  readonly run: (ctx: CliContext, args: ParsedArgs) => Promise<number>;
}

// Each command's module is imported only when that command runs: the Kinesis and AWS SDK clients
// behind produce/consume cost ~0.35 s to load, which a `floe load` or `floe tables` should not pay.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  load: async () => {
    const m = await import('./load.js');
    return { spec: m.loadSpec, run: m.loadCommand };
  },
  produce: async () => {
    const m = await import('./produce.js');
    return { spec: m.produceSpec, run: m.produceCommand };
  },
  consume: async () => {
    const m = await import('./consume.js');
    return { spec: m.consumeSpec, run: m.consumeCommand };
  },
  tables: async () => {
    const m = await import('./inspect.js');
    return { spec: m.tablesSpec, run: m.tablesCommand };
  },
  inspect: async () => {
    const m = await import('./inspect.js');
    return { spec: m.inspectSpec, run: m.inspectCommand };
  },
  query: async () => {
    const m = await import('./query.js');
    return { spec: m.querySpec, run: m.queryCommand };
  },
  demo: async () => {
    const m = await import('./demo.js');
    return { spec: m.demoSpec, run: m.demoCommand };
  },
  dev: async () => {
    const m = await import('./dev.js');
    return { spec: m.devSpec, run: m.devCommand };
  },
  dlq: async () => {
    const m = await import('./dlq.js');
    return { spec: m.dlqSpec, run: (ctx, args) => m.dlqCommand(ctx, args) };
  },
};

function findCommand(name: string | undefined): Promise<Command> | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

async function mainHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    'Usage: floe <command> [options]',
    '',
    'floe lands records in Apache Iceberg tables.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
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
      (name === undefined ? ctx.stderr : ctx.stdout).write(await mainHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      write(ctx.stdout, version());
      return 0;
    }
    if (name === 'help') {
      const target = await findCommand(rest[0]);
      if (rest[0] !== undefined && !target)
        throw new FloeError('usage', `help: unknown command "${rest[0]}" (see floe --help)`);
      ctx.stdout.write(target ? formatHelp(target.spec) : await mainHelp());
      return 0;
    }
    const command = await findCommand(name);
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
