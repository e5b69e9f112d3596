/**
 * Logging: pino JSON lines, each carrying a `component` (consumer, shard-reader, commit, …).
 * The CLI builds the root logger; modules take it and log only through `component()` children.
 */
import { pino, type Logger } from 'pino';
import type { Writable } from 'node:stream';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'token',
  'credential',
  'secretAccessKey',
  'sessionToken',
  'password',
  'authorization',
  'Authorization',
  'apiKey',
  'apiKeys',
  // Header names with a hyphen need pino's bracket syntax.
  '["x-api-key"]',
];
const SECRET_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => (k.startsWith('[') ? `*${k}` : `*.${k}`)),
  ...SECRET_KEYS.map((k) => (k.startsWith('[') ? `*.*${k}` : `*.*.${k}`)),
];

export function createLogger(
  options: { level?: string; destination?: Writable; base?: Record<string, unknown> } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      // No component in the base: children add theirs, and a duplicated JSON key would be ambiguous.
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Defence in depth: nothing should log credentials, but if an object carrying them is ever
      // logged, these never reach the output.
      redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

export function component(log: Logger, name: string, extra: Record<string, unknown> = {}): Logger {
  return log.child({ component: name, ...extra });
}

/** A logger that drops everything (tests, library use without logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
