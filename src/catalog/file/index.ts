/**
 * The embedded file catalog (Hadoop-catalog layout): `<warehouse>/<ns…>/<table>/metadata/vN.metadata.json`
 * plus `version-hint.text`, so DuckDB's iceberg_scan(table_dir), Spark's HadoopCatalog and
 * PyIceberg's StaticTable read the tables without floe.
 *
 * Atomicity comes from the storage: a commit creates `v<N+1>.metadata.json` exclusively (link() on
 * local disk, `If-None-Match: *` on S3), so of two writers racing from version N exactly one wins
 * and the other gets a retryable 'commit-conflict'. The version hint is only a hint: readers probe
 * past it, because a writer can die between creating the metadata file and updating the hint.
 */
import { resolve } from 'node:path';
import { FloeError, isFloeError } from '../../errors.js';
import type {
  Catalog,
  CommitRequest,
  CreateTableRequest,
  LoadedTable,
  TableIdentifier,
  TableUpdate,
} from '../../iceberg/catalog.js';
import { identifierToString } from '../../iceberg/catalog.js';
import { applyUpdates, checkRequirements, expiredMetadataFiles } from '../../iceberg/commit.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import { fileIOFor } from '../../iceberg/io/index.js';
import { joinPath, localPath, schemeOf, trimTrailingSlash } from '../../iceberg/io/paths.js';
import { newTableMetadata, tableMetadataFromJson, tableMetadataToJson } from '../../iceberg/spec/metadata.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';

export interface FileCatalogOptions {
  /** A local directory or an `s3://bucket/prefix`. */
  warehouse: string;
  /** Defaults to the FileIO for the warehouse's scheme. */
  io?: FileIO;
  name?: string;
}

export const VERSION_HINT = 'version-hint.text';
/** Namespace properties live here; it also makes an empty namespace exist on S3, which has no directories. */
export const NAMESPACE_MARKER = '.namespace.json';
const VERSION_FILE = /^v(\d+)\.metadata\.json$/;

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The warehouse root as stored in metadata: local directories become absolute plain paths (every
 * engine reads those; a relative path in metadata would depend on the reader's working directory),
 * S3 prefixes lose their trailing slash.
 */
export function normalizeWarehouse(warehouse: string): string {
  if (warehouse.trim() === '') throw new FloeError('config', 'the warehouse location is empty');
  if (schemeOf(warehouse) === 'file') return trimTrailingSlash(resolve(localPath(warehouse)));
  return trimTrailingSlash(warehouse);
}

function checkName(part: string, what: string): void {
  if (part === '' || part.includes('/') || part.startsWith('.') || part.trim() !== part) {
    throw new FloeError(
      'usage',
      `invalid ${what} "${part}": names must be non-empty, without "/" or a leading "."`,
    );
  }
}

function checkNamespace(ns: readonly string[]): void {
  for (const p of ns) checkName(p, 'namespace');
}

function checkIdentifier(id: TableIdentifier): void {
  if (id.namespace.length === 0) throw new FloeError('usage', `table ${id.name} needs a namespace`);
  checkNamespace(id.namespace);
  checkName(id.name, 'table name');
}

function versionOf(path: string): number | undefined {
  const m = VERSION_FILE.exec(path.slice(path.lastIndexOf('/') + 1));
  return m ? Number(m[1]) : undefined;
}

interface Current {
  version: number;
  loaded: LoadedTable;
}

export class FileCatalog implements Catalog {
  readonly name: string;
  readonly warehouse: string;
  readonly io: FileIO;

  constructor(options: FileCatalogOptions) {
    this.warehouse = normalizeWarehouse(options.warehouse);
    this.io = options.io ?? fileIOFor(this.warehouse);
    this.name = options.name ?? 'floe';
  }

  namespacePath(ns: readonly string[]): string {
    return joinPath(this.warehouse, ...ns);
  }

  tablePath(id: TableIdentifier): string {
    return joinPath(this.warehouse, ...id.namespace, id.name);
  }

  metadataDir(id: TableIdentifier): string {
    return joinPath(this.tablePath(id), 'metadata');
  }

  metadataFilePath(id: TableIdentifier, version: number): string {
    return joinPath(this.metadataDir(id), `v${version}.metadata.json`);
  }

  // ---- namespaces ----------------------------------------------------------------------------

  private async children(dir: string): Promise<{ files: string[]; dirs: string[] }> {
    if (this.io.listDir) {
      const l = await this.io.listDir(dir);
      return { files: l.files.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)), dirs: l.dirs };
    }
    const base = dir.endsWith('/') ? dir : dir + '/';
    const files = new Set<string>();
    const dirs = new Set<string>();
    for (const f of await this.io.list(base)) {
      const rest = f.path.slice(base.length);
      const slash = rest.indexOf('/');
      if (slash < 0) files.add(rest);
      else dirs.add(rest.slice(0, slash));
    }
    return { files: [...files], dirs: [...dirs] };
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    checkNamespace(namespace);
    if (namespace.length === 0) return true;
    const dir = this.namespacePath(namespace);
    if (await this.io.exists(joinPath(dir, NAMESPACE_MARKER))) return true;
    // Namespaces made by other tools (Spark's HadoopCatalog) or implicitly by createTable have no marker.
    if (await this.isTableDir(dir)) return false;
    const c = await this.children(dir);
    return c.files.length > 0 || c.dirs.length > 0;
  }

  async createNamespace(
    namespace: readonly string[],
    properties: Record<string, string> = {},
  ): Promise<void> {
    checkNamespace(namespace);
    if (namespace.length === 0) throw new FloeError('usage', 'the root namespace always exists');
    const dir = this.namespacePath(namespace);
    if ((await this.namespaceExists(namespace)) || (await this.isTableDir(dir))) {
      throw new FloeError('already-exists', `namespace ${namespace.join('.')} already exists`);
    }
    try {
      await this.io.write(
        joinPath(dir, NAMESPACE_MARKER),
        enc.encode(JSON.stringify({ properties }, null, 2)),
        {
          exclusive: true,
          contentType: 'application/json',
        },
      );
    } catch (err) {
      if (isFloeError(err, 'commit-conflict')) {
        throw new FloeError('already-exists', `namespace ${namespace.join('.')} already exists`);
      }
      throw err;
    }
  }

  async loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>> {
    if (!(await this.namespaceExists(namespace))) {
      throw new FloeError('not-found', `namespace ${namespace.join('.')} does not exist`);
    }
    try {
      const json = JSON.parse(
        dec.decode(await this.io.read(joinPath(this.namespacePath(namespace), NAMESPACE_MARKER))),
      );
      return { ...(json as { properties?: Record<string, string> }).properties };
    } catch (err) {
      if (isFloeError(err, 'not-found')) return {};
      throw err;
    }
  }

  async listNamespaces(parent: readonly string[] = []): Promise<string[][]> {
    checkNamespace(parent);
    if (parent.length > 0 && !(await this.namespaceExists(parent))) {
      throw new FloeError('not-found', `namespace ${parent.join('.')} does not exist`);
    }
    const out: string[][] = [];
    for (const name of (await this.children(this.namespacePath(parent))).dirs) {
      if (name.startsWith('.')) continue;
      const c = await this.children(this.namespacePath([...parent, name]));
      // A directory with metadata/ is a table, or what a non-purging drop left of one: never a namespace.
      if (c.dirs.includes('metadata')) continue;
      if (c.files.length > 0 || c.dirs.length > 0) out.push([...parent, name]);
    }
    return out.sort((a, b) => a.join('.').localeCompare(b.join('.')));
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    checkNamespace(namespace);
    if (namespace.length === 0) throw new FloeError('usage', 'cannot drop the root namespace');
    if (!(await this.namespaceExists(namespace))) {
      throw new FloeError('not-found', `namespace ${namespace.join('.')} does not exist`);
    }
    const dir = this.namespacePath(namespace);
    const c = await this.children(dir);
    if (c.dirs.length > 0 || c.files.some((f) => f !== NAMESPACE_MARKER)) {
      throw new FloeError('usage', `namespace ${namespace.join('.')} is not empty`);
    }
    if (this.io.deleteDirectory) await this.io.deleteDirectory(dir);
    else await this.io.delete(joinPath(dir, NAMESPACE_MARKER));
  }

  // ---- tables --------------------------------------------------------------------------------

  private async isTableDir(dir: string): Promise<boolean> {
    const meta = joinPath(dir, 'metadata');
    if (await this.io.exists(joinPath(meta, VERSION_HINT))) return true;
    return (await this.children(meta)).files.some((f) => VERSION_FILE.test(f));
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    checkNamespace(namespace);
    if (!(await this.namespaceExists(namespace))) {
      throw new FloeError('not-found', `namespace ${namespace.join('.')} does not exist`);
    }
    const out: TableIdentifier[] = [];
    for (const name of (await this.children(this.namespacePath(namespace))).dirs) {
      if (name.startsWith('.')) continue;
      if (await this.isTableDir(this.namespacePath([...namespace, name])))
        out.push({ namespace: [...namespace], name });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async tableExists(identifier: TableIdentifier): Promise<boolean> {
    checkIdentifier(identifier);
    return this.isTableDir(this.tablePath(identifier));
  }

  /** Highest version number present: from the hint, probing forward; listing when the hint is unusable. */
  private async currentVersion(id: TableIdentifier): Promise<number | undefined> {
    let version: number | undefined;
    try {
      const text = dec.decode(await this.io.read(joinPath(this.metadataDir(id), VERSION_HINT))).trim();
      const n = /^\d+$/.test(text) ? Number(text) : NaN;
      if (Number.isSafeInteger(n) && n > 0 && (await this.io.exists(this.metadataFilePath(id, n))))
        version = n;
    } catch (err) {
      if (!isFloeError(err, 'not-found')) throw err;
    }
    if (version === undefined) {
      for (const f of (await this.children(this.metadataDir(id))).files) {
        const v = versionOf(f);
        if (v !== undefined && (version === undefined || v > version)) version = v;
      }
      if (version === undefined) return undefined;
    }
    // The hint can lag: a writer may have died between creating v<N+1> and updating the hint.
    while (await this.io.exists(this.metadataFilePath(id, version + 1))) version++;
    return version;
  }

  private async loadCurrent(id: TableIdentifier): Promise<Current | undefined> {
    checkIdentifier(id);
    const version = await this.currentVersion(id);
    if (version === undefined) return undefined;
    const metadataLocation = this.metadataFilePath(id, version);
    let bytes: Uint8Array;
    try {
      bytes = await this.io.read(metadataLocation);
    } catch (err) {
      if (isFloeError(err, 'not-found')) return undefined; // dropped while we looked
      throw err;
    }
    const metadata = tableMetadataFromJson(dec.decode(bytes));
    return { version, loaded: { identifier: id, metadataLocation, metadata, io: this.io } };
  }

  async loadTable(identifier: TableIdentifier): Promise<LoadedTable> {
    const current = await this.loadCurrent(identifier);
    if (!current) throw new FloeError('not-found', `table ${identifierToString(identifier)} does not exist`);
    return current.loaded;
  }

  async createTable(request: CreateTableRequest): Promise<LoadedTable> {
    const id = request.identifier;
    checkIdentifier(id);
    if (await this.tableExists(id)) {
      throw new FloeError('already-exists', `table ${identifierToString(id)} already exists`);
    }
    const metadata = newTableMetadata({
      schema: request.schema,
      location: request.location ? trimTrailingSlash(request.location) : this.tablePath(id),
      ...(request.partitionSpec ? { spec: request.partitionSpec } : {}),
      ...(request.sortOrder ? { sortOrder: request.sortOrder } : {}),
      ...(request.properties ? { properties: request.properties } : {}),
    });
    try {
      return await this.writeVersion(id, 1, metadata);
    } catch (err) {
      if (isFloeError(err, 'commit-conflict')) {
        throw new FloeError('already-exists', `table ${identifierToString(id)} already exists`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async commitTable(request: CommitRequest): Promise<LoadedTable> {
    const id = request.identifier;
    const current = await this.loadCurrent(id);
    const creating = request.requirements.some((r) => r.type === 'assert-create');
    if (!current && !creating)
      throw new FloeError('not-found', `table ${identifierToString(id)} does not exist`);
    const base = current?.loaded.metadata ?? null;
    checkRequirements(base, request.requirements);
    const updates: readonly TableUpdate[] = base
      ? request.updates
      : [{ action: 'set-location', location: this.tablePath(id) }, ...request.updates];
    const next = applyUpdates(base, updates, {
      ...(current ? { metadataLocation: current.loaded.metadataLocation } : {}),
    });
    if (current && next === current.loaded.metadata) return current.loaded;
    const committed = await this.writeVersion(id, (current?.version ?? 0) + 1, next);
    if (base) {
      // Best effort: a metadata file nobody references any more is garbage, not corruption.
      await Promise.all(
        expiredMetadataFiles(base, next).map((f) => this.io.delete(f).catch(() => undefined)),
      );
    }
    return committed;
  }

  /**
   * Creates v<version> exclusively, then moves the hint. If the create fails in a way that leaves
   * the outcome open (a lost response, an SDK retry answered 412 for our own first attempt),
   * reading the file back decides: our bytes mean committed, other bytes mean we lost the race.
   */
  private async writeVersion(
    id: TableIdentifier,
    version: number,
    metadata: TableMetadata,
  ): Promise<LoadedTable> {
    const path = this.metadataFilePath(id, version);
    const bytes = enc.encode(tableMetadataToJson(metadata));
    try {
      await this.io.write(path, bytes, { exclusive: true, contentType: 'application/json' });
    } catch (err) {
      if (!isFloeError(err, 'commit-conflict') && !isFloeError(err, 'io')) throw err;
      const outcome = await this.verifyWrite(path, bytes);
      if (outcome === 'ours') {
        // fall through: committed
      } else if (outcome === 'theirs') {
        throw new FloeError(
          'commit-conflict',
          `table ${identifierToString(id)}: another writer committed version ${version} first`,
          { cause: err },
        );
      } else if (isFloeError(err, 'io') && schemeOf(path) === 'file') {
        throw err; // a local write that failed and left no file did not happen
      } else {
        throw new FloeError(
          'commit-state-unknown',
          `table ${identifierToString(id)}: cannot tell whether version ${version} was committed: ${(err as Error).message}`,
          { cause: err, retryable: false },
        );
      }
    }
    await this.writeHint(id, version);
    return { identifier: id, metadataLocation: path, metadata, io: this.io };
  }

  private async verifyWrite(path: string, bytes: Uint8Array): Promise<'ours' | 'theirs' | 'unknown'> {
    try {
      const found = await this.io.read(path);
      return found.length === bytes.length && found.every((b, i) => b === bytes[i]) ? 'ours' : 'theirs';
    } catch {
      return 'unknown';
    }
  }

  /** Best effort: readers probe past a stale hint. Local writes replace it atomically by rename. */
  private async writeHint(id: TableIdentifier, version: number): Promise<void> {
    try {
      await this.io.write(joinPath(this.metadataDir(id), VERSION_HINT), enc.encode(String(version)), {
        contentType: 'text/plain',
      });
    } catch {
      // The metadata file is committed; a stale hint only costs readers a few probes.
    }
  }

  /**
   * Moves the table's metadata files under the new name; data files and manifests stay where they
   * are (their paths are absolute in the metadata), so the table's location does not change.
   * Not atomic against concurrent commits to the old name: a file catalog has no lock to take.
   */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    checkIdentifier(to);
    const current = await this.loadCurrent(from);
    if (!current) throw new FloeError('not-found', `table ${identifierToString(from)} does not exist`);
    if (await this.tableExists(to))
      throw new FloeError('already-exists', `table ${identifierToString(to)} already exists`);
    const oldDir = this.metadataDir(from);
    const newDir = this.metadataDir(to);
    const remap = (f: string): string => (f.startsWith(oldDir + '/') ? newDir + f.slice(oldDir.length) : f);
    const metadata: TableMetadata = {
      ...current.loaded.metadata,
      metadataLog: current.loaded.metadata.metadataLog.map((e) => ({
        ...e,
        metadataFile: remap(e.metadataFile),
      })),
    };
    // The exclusive create of the current version claims the new name; the older versions are
    // history, copied after it so that a rename that dies midway never leaves a stale table behind.
    try {
      await this.writeVersion(to, current.version, metadata);
    } catch (err) {
      if (isFloeError(err, 'commit-conflict')) {
        throw new FloeError('already-exists', `table ${identifierToString(to)} already exists`, {
          cause: err,
        });
      }
      throw err;
    }
    for (const f of (await this.children(oldDir)).files) {
      const v = versionOf(f);
      if (v === undefined || v >= current.version) continue;
      await this.io.write(this.metadataFilePath(to, v), await this.io.read(this.metadataFilePath(from, v)));
    }
    await this.removeMetadataFiles(from, {
      name: 'renamed.txt',
      content: enc.encode(`renamed to ${identifierToString(to)}, metadata now in ${newDir}\n`),
    });
  }

  /**
   * Deletes the version files and the hint, so the directory stops being a table, after leaving a
   * note in metadata/ that says what happened. The note keeps the directory recognisable as a
   * former table (never listed as a namespace) and, for a drop, is the way back: it is the last
   * metadata file under a name no engine takes for a table (Spark looks for `*.metadata.json`).
   */
  private async removeMetadataFiles(
    id: TableIdentifier,
    note: { name: string; content: Uint8Array },
  ): Promise<void> {
    const dir = this.metadataDir(id);
    await this.io.write(joinPath(dir, note.name), note.content);
    await this.io.delete(joinPath(dir, VERSION_HINT));
    for (const f of (await this.children(dir)).files) {
      if (VERSION_FILE.test(f)) await this.io.delete(joinPath(dir, f));
    }
  }

  /**
   * Without purge the table disappears from the catalog but its data files and manifests stay
   * (recoverable by hand); with purge its whole directory goes, and its location if that lies
   * elsewhere (renamed tables) and is safely below the warehouse root.
   */
  async dropTable(identifier: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    const current = await this.loadCurrent(identifier);
    if (!current) throw new FloeError('not-found', `table ${identifierToString(identifier)} does not exist`);
    if (!options.purge) {
      return this.removeMetadataFiles(identifier, {
        name: `v${current.version}.metadata.json.dropped`,
        content: await this.io.read(current.loaded.metadataLocation),
      });
    }
    const dir = this.tablePath(identifier);
    await this.deleteTree(dir);
    const location = trimTrailingSlash(current.loaded.metadata.location);
    if (location !== dir && this.safeToPurge(location)) await this.deleteTree(location);
  }

  /** Never purge the warehouse, a namespace or anything above them because metadata said so. */
  private safeToPurge(location: string): boolean {
    const wh = this.warehouse + '/';
    return location.startsWith(wh) && location.slice(wh.length).split('/').filter(Boolean).length >= 2;
  }

  private async deleteTree(dir: string): Promise<void> {
    if (this.io.deleteDirectory) return this.io.deleteDirectory(dir);
    for (const f of await this.io.list(dir + '/')) await this.io.delete(f.path);
  }
}
