/**
 * The lease/checkpoint store: who reads which shard, and the last checkpoint each consumer saw
 * committed. It is an optimisation and a coordination device, never the source of truth: the
 * positions in the table's current snapshot decide where reading resumes (DESIGN.md).
 *
 * This issue ships a local-file store for one process (an exclusive owner lock per table plus a
 * JSON checkpoint file); the next one adds DynamoDB leases with the same interface: acquire /
 * renew / release per shard with an owner and an expiry, and `checkpoint` after every commit.
 */
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FloeError } from '../errors.js';

export interface LeaseKey {
  /** `ns.table`: leases are per table, since each table keeps its own positions. */
  readonly table: string;
  readonly stream: string;
  readonly shardId: string;
}

export interface StoredCheckpoint {
  readonly snapshotId: string;
  /** shardId → formatted checkpoint (position.ts). */
  readonly positions: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

export interface CheckpointStore {
  readonly owner: string;
  /** Takes (or keeps) the lease; false when another live owner holds it. */
  acquire(key: LeaseKey): Promise<boolean>;
  /** Extends a held lease; false when it was lost (stop reading that shard). */
  renew(key: LeaseKey): Promise<boolean>;
  release(key: LeaseKey): Promise<void>;
  /** Records what was just committed (after the commit, never instead of it). */
  checkpoint(table: string, stream: string, value: StoredCheckpoint): Promise<void>;
  load(table: string, stream: string): Promise<StoredCheckpoint | undefined>;
  close(): Promise<void>;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per table: `<dir>/<table>.lock` is created exclusively and holds the owner's pid; a
 * lock whose pid is gone (kill -9) is taken over. All shard leases of a locked table are granted.
 */
export class LocalFileCheckpointStore implements CheckpointStore {
  readonly owner: string;
  private readonly locked = new Set<string>();

  constructor(
    private readonly dir: string,
    owner = `${process.pid}`,
  ) {
    this.owner = owner;
  }

  private lockPath(table: string): string {
    return join(this.dir, `${safeName(table)}.lock`);
  }

  private async lockTable(table: string): Promise<boolean> {
    if (this.locked.has(table)) return true;
    await mkdir(this.dir, { recursive: true });
    const path = this.lockPath(table);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(JSON.stringify({ pid: process.pid, owner: this.owner }));
        await fh.close();
        this.locked.add(table);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: { pid?: number } = {};
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as { pid?: number };
      } catch {
        // Half-written by a process killed mid-write: stale.
      }
      if (typeof holder.pid === 'number' && holder.pid !== process.pid && alive(holder.pid)) return false;
      await rm(path, { force: true });
    }
    return false;
  }

  async acquire(key: LeaseKey): Promise<boolean> {
    return this.lockTable(key.table);
  }

  async renew(key: LeaseKey): Promise<boolean> {
    return this.locked.has(key.table);
  }

  async release(): Promise<void> {
    // Shard leases live as long as the table lock; close() releases it.
  }

  private checkpointPath(table: string, stream: string): string {
    return join(this.dir, `${safeName(table)}.${safeName(stream)}.checkpoint.json`);
  }

  async checkpoint(table: string, stream: string, value: StoredCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.checkpointPath(table, stream);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value) + '\n');
    await rename(tmp, path);
  }

  async load(table: string, stream: string): Promise<StoredCheckpoint | undefined> {
    try {
      return JSON.parse(await readFile(this.checkpointPath(table, stream), 'utf8')) as StoredCheckpoint;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined; // the store is advisory: a torn file is ignored
      throw new FloeError('io', `cannot read checkpoint file: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    for (const table of this.locked) await rm(this.lockPath(table), { force: true });
    this.locked.clear();
  }
}

/** In-memory store (tests, and embedding floe without local state). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly owner = 'memory';
  readonly saved = new Map<string, StoredCheckpoint>();
  async acquire(): Promise<boolean> {
    return true;
  }
  async renew(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
  async checkpoint(table: string, stream: string, value: StoredCheckpoint): Promise<void> {
    this.saved.set(`${table}/${stream}`, value);
  }
  async load(table: string, stream: string): Promise<StoredCheckpoint | undefined> {
    return this.saved.get(`${table}/${stream}`);
  }
  async close(): Promise<void> {}
}
