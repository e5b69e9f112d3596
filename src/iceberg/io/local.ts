/**
 * Local filesystem FileIO. Every file becomes visible complete or not at all: bytes go to a hidden
 * temp file in the same directory first, then rename (replace) or link (exclusive create) puts it
 * in place. A crash can leave a temp file behind, never a truncated table file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FloeError } from '../../errors.js';
import type { DirListing, FileInfo, FileIO, OutputStream, WriteOptions } from './fileio.js';
import { localPath } from './paths.js';

const TEMP_SUFFIX = '.floe-tmp';

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export function isTempName(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function ioError(op: string, path: string, err: unknown): FloeError {
  const code = errCode(err);
  if (code === 'ENOENT') return new FloeError('not-found', `${op} ${path}: no such file`, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new FloeError('io', `${op} ${path}: ${detail}`, { cause: err });
}

async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** A commit must survive a power cut once reported: fsync the directory entry too. Best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the data itself is already synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export class LocalFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    try {
      const buf = await readFile(localPath(path));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      throw ioError('read', path, err);
    }
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(localPath(path), 'r');
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got);
        if (bytesRead === 0) break; // EOF: return what exists, like a clipped HTTP range
        got += bytesRead;
      }
      return got === length ? out : out.subarray(0, got);
    } catch (err) {
      throw ioError('read', path, err);
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const target = localPath(path);
    let tmp: string | undefined;
    try {
      await mkdir(dirname(target), { recursive: true });
      tmp = tempPathFor(target);
      const fh = await open(tmp, 'wx');
      try {
        await writeAll(fh, data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (options.exclusive) {
        await this.linkExclusive(tmp, target, path, data);
        await syncDir(dirname(target));
      } else {
        await rename(tmp, target);
        tmp = undefined;
      }
    } catch (err) {
      if (err instanceof FloeError) throw err;
      throw ioError('write', path, err);
    } finally {
      if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    }
  }

  /** link() fails with EEXIST instead of replacing: an atomic create-if-absent of a complete file. */
  private async linkExclusive(tmp: string, target: string, path: string, data: Uint8Array): Promise<void> {
    try {
      await link(tmp, target);
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST') throw new FloeError('commit-conflict', `${path} already exists`, { cause: err });
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      // No hard links on this filesystem: O_EXCL is still exclusive, only not invisible while written.
      let fh: FileHandle;
      try {
        fh = await open(target, 'wx');
      } catch (e) {
        if (errCode(e) === 'EEXIST')
          throw new FloeError('commit-conflict', `${path} already exists`, { cause: e });
        throw e;
      }
      try {
        await writeAll(fh, data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }

  async create(path: string): Promise<OutputStream> {
    const target = localPath(path);
    let fh: FileHandle;
    let tmp: string;
    try {
      await mkdir(dirname(target), { recursive: true });
      tmp = tempPathFor(target);
      fh = await open(tmp, 'wx');
    } catch (err) {
      throw ioError('create', path, err);
    }
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) throw new FloeError('internal', `output stream for ${path} is already closed`);
      done = true;
    };
    return {
      write: async (chunk) => {
        if (done) throw new FloeError('internal', `write after close on ${path}`);
        try {
          await writeAll(fh, chunk);
          size += chunk.length;
        } catch (err) {
          throw ioError('write', path, err);
        }
      },
      close: async () => {
        finish();
        try {
          await fh.sync();
          await fh.close();
          await rename(tmp, target);
          return size;
        } catch (err) {
          await unlink(tmp).catch(() => undefined);
          throw ioError('write', path, err);
        }
      },
      abort: async () => {
        if (done) return;
        done = true;
        await fh.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
      },
    };
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(localPath(path));
      return true;
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return false;
      throw ioError('stat', path, err);
    }
  }

  async size(path: string): Promise<number> {
    try {
      return (await stat(localPath(path))).size;
    } catch (err) {
      throw ioError('stat', path, err);
    }
  }

  /** Deleting a missing file is not an error: deletes are retried and S3 behaves the same way. */
  async delete(path: string): Promise<void> {
    try {
      await unlink(localPath(path));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return;
      throw ioError('delete', path, err);
    }
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const local = localPath(prefix);
    const root = local.endsWith('/') ? local : dirname(local);
    const out: FileInfo[] = [];
    // Results are spelled like the caller's prefix (plain path, file:/ or file:///).
    const spell = (abs: string): string => prefix + abs.slice(local.length);
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return;
        throw ioError('list', dir, err);
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          const asDir = full + '/';
          if (asDir.startsWith(local) || local.startsWith(asDir)) await walk(full);
        } else if (e.isFile() && full.startsWith(local) && !isTempName(e.name)) {
          try {
            const st = await stat(full);
            out.push({ path: spell(full), size: st.size, lastModifiedMs: st.mtimeMs });
          } catch (err) {
            if (errCode(err) !== 'ENOENT') throw ioError('stat', full, err);
          }
        }
      }
    };
    await walk(root.length > 1 ? root.replace(/\/+$/, '') : root);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  async listDir(dir: string): Promise<DirListing> {
    const local = localPath(dir).replace(/\/+$/, '') || '/';
    const base = dir.endsWith('/') ? dir : dir + '/';
    const files: FileInfo[] = [];
    const dirs: string[] = [];
    let entries;
    try {
      entries = await readdir(local, { withFileTypes: true });
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return { files, dirs };
      throw ioError('list', dir, err);
    }
    for (const e of entries) {
      if (e.isDirectory()) dirs.push(e.name);
      else if (e.isFile() && !isTempName(e.name)) {
        try {
          const st = await stat(join(local, e.name));
          files.push({ path: base + e.name, size: st.size, lastModifiedMs: st.mtimeMs });
        } catch (err) {
          if (errCode(err) !== 'ENOENT') throw ioError('stat', e.name, err);
        }
      }
    }
    dirs.sort();
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { files, dirs };
  }

  async deleteDirectory(dir: string): Promise<void> {
    try {
      await rm(localPath(dir), { recursive: true, force: true });
    } catch (err) {
      throw ioError('delete', dir, err);
    }
  }
}
