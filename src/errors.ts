/**
 * The one error type of floe. `kind` says what went wrong in terms a caller can act on;
 * `retryable` says whether doing the same thing again may succeed.
 *
 * Commit outcomes need three states, not two: a `commit-conflict` definitely did not apply
 * (safe to retry, safe to delete its files), while `commit-state-unknown` may or may not have
 * applied (retry only after re-checking by snapshot id; never delete its files).
 */
export type ErrorKind =
  | 'usage' // bad flag, bad argument: exit code 2
  | 'config' // bad config or schema file: exit code 2
  | 'input' // malformed user data (row-level problems are rejected rows, not errors)
  | 'not-found' // table, namespace or file missing
  | 'already-exists'
  | 'commit-conflict' // requirement failed: someone else committed first
  | 'commit-state-unknown' // transport failure or 5xx during commit
  | 'io' // storage read/write failure
  | 'invalid-metadata' // a file we read does not follow the Iceberg spec
  | 'unsupported'
  | 'internal';

export interface FloeErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorKind> = new Set(['commit-conflict', 'io']);

export class FloeError extends Error {
  readonly kind: ErrorKind;
  readonly retryable: boolean;

  constructor(kind: ErrorKind, message: string, options: FloeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FloeError';
    this.kind = kind;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
  }

  /** Errors the user caused and can fix: printed as one line, never as a stack trace. */
  get isUserError(): boolean {
    return (
      this.kind === 'usage' || this.kind === 'config' || this.kind === 'input' || this.kind === 'not-found'
    );
  }
}

export function isFloeError(err: unknown, kind?: ErrorKind): err is FloeError {
  return err instanceof FloeError && (kind === undefined || err.kind === kind);
}
