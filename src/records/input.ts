/**
 * Opening an input: a file path or `-` (stdin), gzip detected by its magic bytes (so `.gz`
 * files and gzipped stdin both work), and the record format from the extension or the content.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FloeError } from '../errors.js';

export type RecordFormat = 'csv' | 'json' | 'ndjson';
export const RECORD_FORMATS: readonly RecordFormat[] = ['csv', 'json', 'ndjson'];

/** How the input is named in messages: the path, or "stdin". */
export function inputName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/** The format implied by a file name (`.gz` stripped), or undefined. */
export function formatFromPath(path: string): RecordFormat | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  if (name.endsWith('.json')) return 'json';
  return undefined;
}

/** Checks the input exists and is a file before anything else happens (no table created for a typo). */
export async function checkInput(path: string): Promise<void> {
  if (path === '-') return;
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FloeError('not-found', `input file not found: ${path}`);
    throw new FloeError('input', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (!info.isFile()) throw new FloeError('input', `${path} is not a file`);
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * The input's bytes, gunzipped when they start with the gzip magic. Errors (unreadable file,
 * corrupt gzip) surface as FloeError('input') from the stream's iteration.
 */
export function openInput(
  path: string,
  options: { stdin?: Readable; highWaterMark?: number } = {},
): Readable {
  const name = inputName(path);
  const source: Readable =
    path === '-'
      ? (options.stdin ?? process.stdin)
      : createReadStream(path, { highWaterMark: options.highWaterMark ?? 1 << 20 });
  async function* sniffed(): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: IteratorResult<Buffer>;
    try {
      first = await it.next();
    } catch (err) {
      throw wrapReadError(name, err);
    }
    if (first.done) return;
    let head = first.value;
    // A one-byte first chunk cannot show the magic; stdin pipes can deliver that.
    while (head.length < 2) {
      const more = await it.next();
      if (more.done) break;
      head = Buffer.concat([head, more.value]);
    }
    const rest = async function* (): AsyncGenerator<Buffer> {
      yield head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    };
    try {
      if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
        const gunzip = createGunzip();
        const src = Readable.from(rest(), { objectMode: false });
        src.on('error', (err) => gunzip.destroy(err));
        src.pipe(gunzip);
        for await (const chunk of gunzip) yield chunk as Buffer;
      } else {
        yield* rest();
      }
    } catch (err) {
      throw wrapReadError(name, err);
    }
  }
  return Readable.from(sniffed(), { objectMode: false });
}

function wrapReadError(name: string, err: unknown): FloeError {
  if (err instanceof FloeError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new FloeError('not-found', `input file not found: ${name}`);
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new FloeError('input', `${name}: corrupt gzip data (${e.message})`, { cause: err });
  }
  return new FloeError('input', `cannot read ${name}: ${e.message}`, { cause: err });
}

/** The first non-whitespace character of a text stream decides between JSON array, NDJSON and CSV. */
export function formatFromFirstChar(c: string | undefined): RecordFormat {
  if (c === '[') return 'json';
  if (c === '{') return 'ndjson';
  return 'csv';
}
