import { readFile } from 'node:fs/promises';
import { FloeError } from './errors.js';

/** Reads a user-supplied file (a schema, a config); a missing or unreadable one is a one-line config error. */
export async function readConfigText(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FloeError(
      'config',
      code === 'ENOENT'
        ? `${label} not found: ${path}`
        : `cannot read ${label} ${path}: ${(err as Error).message}`,
    );
  }
}
