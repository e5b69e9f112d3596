/** In-memory FileIO for unit tests: same contract as the real ones, including exclusive writes. */
import { FloeError } from '../../errors.js';
import type { DirListing, FileInfo, FileIO, OutputStream, WriteOptions } from './fileio.js';

interface Entry {
  data: Uint8Array;
  lastModifiedMs: number;
}

export class MemoryFileIO implements FileIO {
  private readonly files = new Map<string, Entry>();

  /** Paths currently stored, sorted (for test assertions). */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  private get(path: string): Entry {
    const e = this.files.get(path);
    if (!e) throw new FloeError('not-found', `read ${path}: no such file`);
    return e;
  }

  async read(path: string): Promise<Uint8Array> {
    return this.get(path).data.slice();
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(path).data.slice(offset, offset + length);
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    if (options.exclusive && this.files.has(path)) {
      throw new FloeError('commit-conflict', `${path} already exists`);
    }
    this.files.set(path, { data: data.slice(), lastModifiedMs: Date.now() });
  }

  async create(path: string): Promise<OutputStream> {
    const chunks: Uint8Array[] = [];
    let done = false;
    return {
      write: async (chunk) => {
        if (done) throw new FloeError('internal', `write after close on ${path}`);
        chunks.push(chunk.slice());
      },
      close: async () => {
        if (done) throw new FloeError('internal', `output stream for ${path} is already closed`);
        done = true;
        const data = concat(chunks);
        this.files.set(path, { data, lastModifiedMs: Date.now() });
        return data.length;
      },
      abort: async () => {
        done = true;
      },
    };
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async size(path: string): Promise<number> {
    return this.get(path).data.length;
  }

  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const [path, e] of this.files) {
      if (path.startsWith(prefix)) out.push({ path, size: e.data.length, lastModifiedMs: e.lastModifiedMs });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async listDir(dir: string): Promise<DirListing> {
    const base = dir.endsWith('/') ? dir : dir + '/';
    const files: FileInfo[] = [];
    const dirs = new Set<string>();
    for (const [path, e] of this.files) {
      if (!path.startsWith(base)) continue;
      const rest = path.slice(base.length);
      const slash = rest.indexOf('/');
      if (slash < 0) files.push({ path, size: e.data.length, lastModifiedMs: e.lastModifiedMs });
      else dirs.add(rest.slice(0, slash));
    }
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { files, dirs: [...dirs].sort() };
  }

  async deleteDirectory(dir: string): Promise<void> {
    const base = dir.endsWith('/') ? dir : dir + '/';
    for (const path of [...this.files.keys()]) if (path.startsWith(base)) this.files.delete(path);
  }
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
