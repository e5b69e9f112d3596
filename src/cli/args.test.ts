import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { formatHelp, parseCommandArgs, type CommandSpec } from './args.js';
import type { CliContext } from './context.js';
import { runCli } from './run.js';

const spec: CommandSpec = {
  name: 'load',
  summary: 'Load.',
  usage: '<file> [options]',
  positionals: [{ name: '<file>', required: true }],
  options: {
    table: { type: 'string', valueName: '<ns.name>', description: 'table', short: 't' },
    json: { type: 'boolean', description: 'json' },
    'max-bad-rows': { type: 'string', description: 'n' },
  },
};

function usage(argv: string[]): string {
  try {
    parseCommandArgs(spec, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('usage');
    return (err as FloeError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandArgs', () => {
  test('values, inline values, short options, booleans, - as stdin, --', () => {
    const a = parseCommandArgs(spec, ['-', '--table=ns.t', '--json', '--max-bad-rows', '-5']);
    expect(a.positionals).toEqual(['-']);
    expect(a.values).toEqual({ table: 'ns.t', json: true, 'max-bad-rows': '-5' });
    expect(parseCommandArgs(spec, ['-t', 'a.b', '--', '--odd-file']).positionals).toEqual(['--odd-file']);
    expect(parseCommandArgs(spec, ['--help']).help).toBe(true);
  });

  test('mistakes are one-line usage errors naming the command', () => {
    expect(usage(['f', '--nope'])).toBe('load: unknown option --nope (see floe load --help)');
    expect(usage(['f', '-x'])).toBe('load: unknown option -x (see floe load --help)');
    expect(usage(['f', '--table'])).toBe(
      'load: option --table needs a value <ns.name> (see floe load --help)',
    );
    expect(usage(['f', '--table', '--json'])).toContain('option --table needs a value');
    expect(usage(['f', '--json=yes'])).toContain('option --json takes no value');
    expect(usage([])).toBe('load: missing <file> (see floe load --help)');
    expect(usage(['a', 'b'])).toBe('load: unexpected argument "b" (see floe load --help)');
    expect(usage(['f', '--constructor'])).toContain('unknown option --constructor');
  });

  test('help lists every option', () => {
    const help = formatHelp(spec);
    expect(help).toContain('Usage: floe load <file> [options]');
    expect(help).toMatch(/-t, --table <ns\.name>\s+table/);
    expect(help).toContain('-h, --help');
  });
});

function context(env: Record<string, string> = {}): {
  ctx: CliContext;
  out: () => string;
  err: () => string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    cwd: process.cwd(),
    openCatalog: () => {
      throw new TypeError('boom');
    },
  };
  return { ctx, out: () => o, err: () => e };
}

describe('runCli error policy', () => {
  test('usage errors exit 2; no command prints help to stderr and exits 2', async () => {
    const c = context();
    expect(await runCli(['tables', '--nope'], c.ctx)).toBe(2);
    expect(c.err()).toBe('floe: tables: unknown option --nope (see floe tables --help)\n');
    const d = context();
    expect(await runCli([], d.ctx)).toBe(2);
    expect(d.err()).toContain('Usage: floe <command>');
  });

  test('unexpected errors: one line and a hint; the stack only with FLOE_DEBUG=1', async () => {
    const c = context();
    expect(await runCli(['tables'], c.ctx)).toBe(1);
    expect(c.err()).toBe('floe: error: boom (FLOE_DEBUG=1 shows the stack trace)\n');
    const d = context({ FLOE_DEBUG: '1' });
    expect(await runCli(['tables'], d.ctx)).toBe(1);
    expect(d.err()).toMatch(/^floe: error: boom\nTypeError: boom\n\s+at /);
  });

  test('--version', async () => {
    const c = context();
    expect(await runCli(['--version'], c.ctx)).toBe(0);
    expect(c.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
