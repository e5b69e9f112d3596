/**
 * API keys: from FLOE_API_KEYS (comma-separated) and/or a secret file (FLOE_API_KEYS_FILE or the
 * config's server.apiKeysFile; one key per line, `#` comments). A request carries its key as
 * `Authorization: Bearer <key>` or `X-API-Key: <key>`; a key in the query string is never looked
 * at (URLs end up in logs and browser history).
 *
 * Comparison is over SHA-256 digests with crypto.timingSafeEqual: equal-length inputs whatever
 * the key lengths, and every configured key is compared, so neither the time nor an early exit
 * tells how much of a guess was right. Keys are never logged; only their count is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { FloeError } from '../errors.js';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = [...new Set(keys.map((k) => k.trim()).filter((k) => k.length > 0))].map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** True when `key` is one of the configured keys. */
  verify(key: string | undefined): boolean {
    if (key === undefined || key.length === 0) return false;
    const d = digest(key);
    let ok = false;
    // No early exit: every key is compared.
    for (const k of this.digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  }
}

/** The key a request presents, from Authorization: Bearer or X-API-Key (never the query string). */
export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x.trim() : undefined;
}

export function parseKeyList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/**
 * Keys from the environment and the key file. The file is FLOE_API_KEYS_FILE, else `file` (the
 * config's server.apiKeysFile). An unreadable file is a config error: silently running without
 * the keys someone meant to set would open the API.
 */
export async function loadApiKeys(
  env: Readonly<Record<string, string | undefined>>,
  file?: string,
): Promise<string[]> {
  const keys = (env.FLOE_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  const path = env.FLOE_API_KEYS_FILE || file;
  if (path) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new FloeError(
        'config',
        `cannot read the API key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    keys.push(...parseKeyList(text));
  }
  return keys;
}

/** 127.0.0.0/8, ::1 and `localhost`: the only hosts the server may bind without API keys. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}
