/**
 * AWS Glue Data Catalog as an Iceberg catalog, laid out as Iceberg's Java GlueCatalog and Athena
 * expect: a Glue table with `table_type=ICEBERG`, `metadata_location`, `previous_metadata_location`,
 * TableType EXTERNAL_TABLE and a StorageDescriptor with the location and Athena-typed columns.
 * Namespaces are Glue databases (one level).
 *
 * A commit reads the Glue table (its VersionId and metadata_location), checks and applies the
 * requirements + updates to that metadata, writes the new metadata JSON, then UpdateTable with the
 * VersionId it read: Glue rejects the update when another writer got in between
 * (ConcurrentModificationException → retryable 'commit-conflict', the new file is deleted). A
 * transport failure or 5xx leaves the outcome unknown: the table is re-read once, and if it points
 * at our file the commit did land; otherwise 'commit-state-unknown' and the file is kept.
 */
import type {
  Column,
  GlueClient,
  GlueClientConfig,
  StorageDescriptor,
  Table as GlueTable,
  TableInput,
} from '@aws-sdk/client-glue';
import { randomUUID } from 'node:crypto';
import { FloeError, isFloeError } from '../../errors.js';
import type {
  Catalog,
  CommitRequest,
  CreateTableRequest,
  LoadedTable,
  TableIdentifier,
} from '../../iceberg/catalog.js';
import { identifierToString } from '../../iceberg/catalog.js';
import { applyUpdates, checkRequirements } from '../../iceberg/commit.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import { fileIOFor, joinPath, schemeOf, trimTrailingSlash } from '../../iceberg/io/index.js';
import type { S3FileIOOptions } from '../../iceberg/io/s3.js';
import { newTableMetadata, tableMetadataFromJson, tableMetadataToJson } from '../../iceberg/spec/metadata.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';
import { glueColumns } from './columns.js';

export { athenaType, glueColumns } from './columns.js';

export const TABLE_TYPE = 'table_type';
export const ICEBERG = 'ICEBERG';
export const METADATA_LOCATION = 'metadata_location';
export const PREVIOUS_METADATA_LOCATION = 'previous_metadata_location';

export interface GlueCatalogOptions {
  /** Where new tables go when the database has no LocationUri: `<warehouse>/<db>.db/<table>` (Java's layout). */
  warehouse?: string;
  region?: string;
  /** Glue endpoint override (moto, LocalStack, a VPC endpoint). Default: AWS_ENDPOINT_URL_GLUE, AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Default: the SDK's credential chain (env, profile, SSO, container, instance). */
  credentials?: GlueClientConfig['credentials'];
  /** The Glue Data Catalog id (AWS account) when not the caller's. */
  catalogId?: string;
  /** Create the database on createTable when it does not exist. */
  createDatabase?: boolean;
  /** FileIO for the tables' files; default by scheme, S3 configured by `s3`. */
  io?: FileIO;
  s3?: S3FileIOOptions;
  /** Use this client as is (tests). */
  client?: GlueClient;
  clientConfig?: Partial<GlueClientConfig>;
  name?: string;
}

type Sdk = typeof import('@aws-sdk/client-glue');

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  cause?: { code?: string };
  code?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function dbName(namespace: readonly string[]): string {
  if (namespace.length !== 1 || !namespace[0]) {
    throw new FloeError(
      'usage',
      `Glue namespaces are single databases: "${namespace.join('.')}" is not a database name`,
    );
  }
  return namespace[0];
}

function isIceberg(t: GlueTable | undefined): boolean {
  return (t?.Parameters?.[TABLE_TYPE] ?? '').toUpperCase() === ICEBERG;
}

/** `00042-<uuid>.metadata.json` → 42 (Java's naming); anything else → -1. */
export function metadataVersion(location: string): number {
  const m = /\/(\d+)-[^/]*\.metadata\.json$/.exec(location);
  return m ? Number(m[1]) : -1;
}

export function newMetadataLocation(tableLocation: string, version: number): string {
  return `${trimTrailingSlash(tableLocation)}/metadata/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}

export class GlueCatalog implements Catalog {
  readonly name: string;
  private readonly options: GlueCatalogOptions;
  private sdkPromise: Promise<{ sdk: Sdk; client: GlueClient }> | undefined;
  private readonly ios = new Map<string, FileIO>();

  constructor(options: GlueCatalogOptions = {}) {
    this.options = options;
    this.name = options.name ?? 'glue';
  }

  private conn(): Promise<{ sdk: Sdk; client: GlueClient }> {
    this.sdkPromise ??= import('@aws-sdk/client-glue').then((sdk) => {
      if (this.options.client) return { sdk, client: this.options.client };
      const env = process.env;
      const endpoint = this.options.endpoint ?? env.AWS_ENDPOINT_URL_GLUE ?? env.AWS_ENDPOINT_URL;
      const region =
        this.options.region ??
        env.AWS_REGION ??
        env.AWS_DEFAULT_REGION ??
        (endpoint ? 'us-east-1' : undefined);
      const config: GlueClientConfig = {
        ...this.options.clientConfig,
        ...(endpoint ? { endpoint } : {}),
        ...(region ? { region } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      };
      return { sdk, client: new sdk.GlueClient(config) };
    });
    return this.sdkPromise;
  }

  /** Releases sockets (tests). */
  async close(): Promise<void> {
    if (this.sdkPromise && !this.options.client) (await this.sdkPromise).client.destroy();
  }

  private ioFor(location: string): FileIO {
    if (this.options.io) return this.options.io;
    // One FileIO (and so one S3 client) per scheme.
    const scheme = schemeOf(location);
    let io = this.ios.get(scheme);
    if (!io) {
      io = fileIOFor(location, { ...(this.options.s3 ? { s3: this.options.s3 } : {}) });
      this.ios.set(scheme, io);
    }
    return io;
  }

  private get catalogIdParam(): { CatalogId?: string } {
    return this.options.catalogId ? { CatalogId: this.options.catalogId } : {};
  }

  /** SDK failure → FloeError with a one-line message naming what was being done. */
  private error(what: string, err: unknown): FloeError {
    if (err instanceof FloeError) return err;
    const e = err as SdkError;
    const name = e?.name ?? 'Error';
    const status = e?.$metadata?.httpStatusCode;
    const msg = (e?.message ?? '').split('\n')[0];
    switch (name) {
      case 'EntityNotFoundException':
        return new FloeError('not-found', `Glue: ${what}: ${msg || 'not found'}`, { cause: err });
      case 'AlreadyExistsException':
        return new FloeError('already-exists', `Glue: ${what}: ${msg || 'already exists'}`, { cause: err });
      case 'ConcurrentModificationException':
        return new FloeError('commit-conflict', `Glue: ${what}: another writer changed the table (${msg})`, {
          cause: err,
        });
      case 'AccessDeniedException':
      case 'UnrecognizedClientException':
      case 'InvalidSignatureException':
      case 'SignatureDoesNotMatch':
      case 'ExpiredTokenException':
      case 'InvalidClientTokenId':
      case 'CredentialsProviderError':
        return new FloeError('config', `Glue: ${what}: the AWS credentials were rejected (${name}: ${msg})`, {
          cause: err,
        });
      case 'InvalidInputException':
      case 'ValidationException':
        return new FloeError('usage', `Glue: ${what}: ${msg}`, { cause: err });
    }
    if (status === undefined) {
      const code = e?.cause?.code ?? e?.code ?? name;
      return new FloeError('io', `Glue: ${what}: cannot reach the Glue endpoint (${code}: ${msg})`, {
        cause: err,
      });
    }
    return new FloeError('io', `Glue: ${what}: ${name} (HTTP ${status}): ${msg}`, {
      cause: err,
      retryable: status >= 500 || status === 429,
    });
  }

  // ---- namespaces ----------------------------------------------------------------------------

  async listNamespaces(parent: readonly string[] = []): Promise<string[][]> {
    if (parent.length > 0) {
      if (!(await this.namespaceExists(parent)))
        throw new FloeError('not-found', `namespace ${parent.join('.')} does not exist`);
      return [];
    }
    const { sdk, client } = await this.conn();
    const out: string[][] = [];
    let NextToken: string | undefined;
    try {
      do {
        const res = await client.send(new sdk.GetDatabasesCommand({ ...this.catalogIdParam, NextToken }));
        for (const db of res.DatabaseList ?? []) if (db.Name) out.push([db.Name]);
        NextToken = res.NextToken;
      } while (NextToken);
    } catch (err) {
      throw this.error('list databases', err);
    }
    return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
  }

  async createNamespace(
    namespace: readonly string[],
    properties: Record<string, string> = {},
  ): Promise<void> {
    const Name = dbName(namespace);
    const { location, comment, ...rest } = properties;
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.CreateDatabaseCommand({
          ...this.catalogIdParam,
          DatabaseInput: {
            Name,
            Parameters: rest,
            ...(location ? { LocationUri: location } : {}),
            ...(comment ? { Description: comment } : {}),
          },
        }),
      );
    } catch (err) {
      throw this.error(`create database ${Name}`, err);
    }
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    if (namespace.length === 0) return true;
    const Name = dbName(namespace);
    const { sdk, client } = await this.conn();
    try {
      await client.send(new sdk.GetDatabaseCommand({ ...this.catalogIdParam, Name }));
      return true;
    } catch (err) {
      const e = this.error(`get database ${Name}`, err);
      if (e.kind === 'not-found') return false;
      throw e;
    }
  }

  private async database(
    name: string,
  ): Promise<{ LocationUri?: string; Parameters?: Record<string, string> }> {
    const { sdk, client } = await this.conn();
    try {
      const res = await client.send(new sdk.GetDatabaseCommand({ ...this.catalogIdParam, Name: name }));
      return res.Database ?? {};
    } catch (err) {
      const e = this.error(`get database ${name}`, err);
      if (e.kind === 'not-found')
        throw new FloeError('not-found', `namespace ${name} does not exist`, { cause: err });
      throw e;
    }
  }

  async loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>> {
    const db = await this.database(dbName(namespace));
    return { ...db.Parameters, ...(db.LocationUri ? { location: db.LocationUri } : {}) };
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    const Name = dbName(namespace);
    const { sdk, client } = await this.conn();
    const tables = await this.glueTables(Name);
    if (tables.length > 0) throw new FloeError('usage', `namespace ${Name} is not empty`);
    try {
      await client.send(new sdk.DeleteDatabaseCommand({ ...this.catalogIdParam, Name }));
    } catch (err) {
      throw this.error(`drop database ${Name}`, err);
    }
  }

  // ---- tables --------------------------------------------------------------------------------

  private async glueTables(db: string): Promise<GlueTable[]> {
    await this.database(db);
    const { sdk, client } = await this.conn();
    const out: GlueTable[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const res = await client.send(
          new sdk.GetTablesCommand({ ...this.catalogIdParam, DatabaseName: db, NextToken }),
        );
        out.push(...(res.TableList ?? []));
        NextToken = res.NextToken;
      } while (NextToken);
    } catch (err) {
      throw this.error(`list tables of ${db}`, err);
    }
    return out;
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    const db = dbName(namespace);
    return (await this.glueTables(db))
      .filter(isIceberg)
      .map((t) => ({ namespace: [db], name: t.Name! }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The Glue table, which must be an Iceberg table. */
  private async glueTable(id: TableIdentifier): Promise<GlueTable> {
    const DatabaseName = dbName(id.namespace);
    const { sdk, client } = await this.conn();
    let table: GlueTable | undefined;
    try {
      table = (
        await client.send(new sdk.GetTableCommand({ ...this.catalogIdParam, DatabaseName, Name: id.name }))
      ).Table;
    } catch (err) {
      const e = this.error(`get table ${identifierToString(id)}`, err);
      if (e.kind === 'not-found') {
        const what = /database/i.test(e.message)
          ? `namespace ${DatabaseName}`
          : `table ${identifierToString(id)}`;
        throw new FloeError('not-found', `${what} does not exist`, { cause: err });
      }
      throw e;
    }
    if (!table) throw new FloeError('not-found', `table ${identifierToString(id)} does not exist`);
    if (!isIceberg(table)) {
      throw new FloeError(
        'usage',
        `Glue table ${identifierToString(id)} is not an Iceberg table (table_type=${table.Parameters?.[TABLE_TYPE] ?? 'unset'})`,
      );
    }
    return table;
  }

  async tableExists(identifier: TableIdentifier): Promise<boolean> {
    try {
      await this.glueTable(identifier);
      return true;
    } catch (err) {
      if (isFloeError(err, 'not-found')) return false;
      throw err;
    }
  }

  private async readMetadata(location: string): Promise<TableMetadata> {
    return tableMetadataFromJson(dec.decode(await this.ioFor(location).read(location)));
  }

  async loadTable(identifier: TableIdentifier): Promise<LoadedTable> {
    const table = await this.glueTable(identifier);
    const metadataLocation = table.Parameters?.[METADATA_LOCATION];
    if (!metadataLocation)
      throw new FloeError(
        'invalid-metadata',
        `Glue table ${identifierToString(identifier)} has no metadata_location`,
      );
    const metadata = await this.readMetadata(metadataLocation);
    return { identifier, metadataLocation, metadata, io: this.ioFor(metadataLocation) };
  }

  private storageDescriptor(metadata: TableMetadata, previous?: StorageDescriptor): StorageDescriptor {
    const current = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId);
    const columns: Column[] = current ? glueColumns(current, metadata.schemas) : [];
    return { ...previous, Location: metadata.location, Columns: columns };
  }

  private tableInput(
    name: string,
    metadata: TableMetadata,
    metadataLocation: string,
    previous?: GlueTable,
  ): TableInput {
    const prevLocation = previous?.Parameters?.[METADATA_LOCATION];
    return {
      Name: name,
      TableType: previous?.TableType ?? 'EXTERNAL_TABLE',
      ...(previous?.Description ? { Description: previous.Description } : {}),
      ...(previous?.Owner ? { Owner: previous.Owner } : {}),
      Parameters: {
        ...previous?.Parameters,
        [TABLE_TYPE]: ICEBERG,
        [METADATA_LOCATION]: metadataLocation,
        ...(prevLocation ? { [PREVIOUS_METADATA_LOCATION]: prevLocation } : {}),
      },
      StorageDescriptor: this.storageDescriptor(metadata, previous?.StorageDescriptor),
    };
  }

  private async defaultLocation(id: TableIdentifier, createDatabase: boolean): Promise<string> {
    const db = dbName(id.namespace);
    let info: { LocationUri?: string };
    try {
      info = await this.database(db);
    } catch (err) {
      if (!(createDatabase && isFloeError(err, 'not-found'))) throw err;
      try {
        await this.createNamespace([db]);
      } catch (e) {
        if (!isFloeError(e, 'already-exists')) throw e;
      }
      info = {};
    }
    if (info.LocationUri) return joinPath(trimTrailingSlash(info.LocationUri), id.name);
    if (!this.options.warehouse) {
      throw new FloeError(
        'config',
        `Glue: table ${identifierToString(id)} needs a location: set a warehouse or the database's LocationUri`,
      );
    }
    return joinPath(trimTrailingSlash(this.options.warehouse), `${db}.db`, id.name);
  }

  async createTable(request: CreateTableRequest): Promise<LoadedTable> {
    const id = request.identifier;
    const db = dbName(id.namespace);
    const location = request.location
      ? trimTrailingSlash(request.location)
      : await this.defaultLocation(id, this.options.createDatabase ?? false);
    if (request.location)
      await this.database(db).catch(async (err) => {
        if (!(this.options.createDatabase && isFloeError(err, 'not-found'))) throw err;
        await this.createNamespace([db]).catch((e) => {
          if (!isFloeError(e, 'already-exists')) throw e;
        });
      });
    const metadata = newTableMetadata({
      schema: request.schema,
      location,
      ...(request.partitionSpec ? { spec: request.partitionSpec } : {}),
      ...(request.sortOrder ? { sortOrder: request.sortOrder } : {}),
      ...(request.properties ? { properties: request.properties } : {}),
    });
    const metadataLocation = newMetadataLocation(location, 0);
    const io = this.ioFor(metadataLocation);
    await io.write(metadataLocation, enc.encode(tableMetadataToJson(metadata)), {
      exclusive: true,
      contentType: 'application/json',
    });
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.CreateTableCommand({
          ...this.catalogIdParam,
          DatabaseName: db,
          TableInput: this.tableInput(id.name, metadata, metadataLocation),
        }),
      );
    } catch (err) {
      const e = this.error(`create table ${identifierToString(id)}`, err);
      // Nothing references the file unless CreateTable landed; a retry of a lost create answers "exists".
      if (e.kind !== 'already-exists' || !(await this.pointsAt(id, metadataLocation)))
        await io.delete(metadataLocation).catch(() => undefined);
      else return { identifier: id, metadataLocation, metadata, io };
      if (e.kind === 'already-exists')
        throw new FloeError('already-exists', `table ${identifierToString(id)} already exists`, {
          cause: err,
        });
      throw e;
    }
    return { identifier: id, metadataLocation, metadata, io };
  }

  async commitTable(request: CommitRequest): Promise<LoadedTable> {
    const id = request.identifier;
    const creating = request.requirements.some((r) => r.type === 'assert-create');
    let current: GlueTable | undefined;
    try {
      current = await this.glueTable(id);
    } catch (err) {
      if (!(creating && isFloeError(err, 'not-found'))) throw err;
    }
    if (!current) return this.commitCreate(request);
    const baseLocation = current.Parameters?.[METADATA_LOCATION];
    if (!baseLocation)
      throw new FloeError(
        'invalid-metadata',
        `Glue table ${identifierToString(id)} has no metadata_location`,
      );
    const base = await this.readMetadata(baseLocation);
    checkRequirements(base, request.requirements);
    const next = applyUpdates(base, request.updates, { metadataLocation: baseLocation });
    const io = this.ioFor(baseLocation);
    if (next === base) return { identifier: id, metadataLocation: baseLocation, metadata: base, io };

    const nextLocation = newMetadataLocation(next.location, metadataVersion(baseLocation) + 1);
    await io.write(nextLocation, enc.encode(tableMetadataToJson(next)), {
      exclusive: true,
      contentType: 'application/json',
    });
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.UpdateTableCommand({
          ...this.catalogIdParam,
          DatabaseName: dbName(id.namespace),
          TableInput: this.tableInput(id.name, next, nextLocation, current),
          ...(current.VersionId ? { VersionId: current.VersionId } : {}),
        }),
      );
    } catch (err) {
      const e = this.error(`commit to ${identifierToString(id)}`, err);
      // The SDK retries 5xx and timeouts itself; a retried UpdateTable whose first try landed gets
      // ConcurrentModificationException. So whatever the error, look at the table before deciding.
      const landed = await this.pointsAt(id, nextLocation);
      if (landed === true) return { identifier: id, metadataLocation: nextLocation, metadata: next, io };
      const status = (err as SdkError)?.$metadata?.httpStatusCode;
      const definite = status !== undefined && status < 500 && status !== 429 && status !== 408;
      if (definite && landed === false) {
        await io.delete(nextLocation).catch(() => undefined);
        throw e;
      }
      throw new FloeError(
        'commit-state-unknown',
        `Glue: commit to ${identifierToString(id)}: outcome unknown (${e.message})`,
        { cause: err, retryable: true },
      );
    }
    return { identifier: id, metadataLocation: nextLocation, metadata: next, io };
  }

  /** Whether the Glue table now points at `location`; undefined when that cannot be found out. */
  private async pointsAt(id: TableIdentifier, location: string): Promise<boolean | undefined> {
    try {
      return (await this.glueTable(id)).Parameters?.[METADATA_LOCATION] === location;
    } catch {
      return undefined;
    }
  }

  /** An assert-create commit: the table is created from the updates applied to nothing. */
  private async commitCreate(request: CommitRequest): Promise<LoadedTable> {
    const id = request.identifier;
    checkRequirements(null, request.requirements);
    const location = await this.defaultLocation(id, this.options.createDatabase ?? false);
    const next = applyUpdates(null, [{ action: 'set-location', location }, ...request.updates]);
    const metadataLocation = newMetadataLocation(next.location, 0);
    const io = this.ioFor(metadataLocation);
    await io.write(metadataLocation, enc.encode(tableMetadataToJson(next)), { exclusive: true });
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.CreateTableCommand({
          ...this.catalogIdParam,
          DatabaseName: dbName(id.namespace),
          TableInput: this.tableInput(id.name, next, metadataLocation),
        }),
      );
    } catch (err) {
      const e = this.error(`create table ${identifierToString(id)}`, err);
      await io.delete(metadataLocation).catch(() => undefined);
      if (e.kind === 'already-exists')
        throw new FloeError('commit-conflict', `table ${identifierToString(id)} was created concurrently`);
      throw e;
    }
    return { identifier: id, metadataLocation, metadata: next, io };
  }

  /** Glue has no rename: create the new entry with the same parameters, then delete the old one. */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    const table = await this.glueTable(from);
    const toDb = dbName(to.namespace);
    await this.database(toDb);
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.CreateTableCommand({
          ...this.catalogIdParam,
          DatabaseName: toDb,
          TableInput: {
            Name: to.name,
            TableType: table.TableType ?? 'EXTERNAL_TABLE',
            Parameters: { ...table.Parameters },
            ...(table.StorageDescriptor ? { StorageDescriptor: table.StorageDescriptor } : {}),
            ...(table.Description ? { Description: table.Description } : {}),
          },
        }),
      );
    } catch (err) {
      const e = this.error(`rename ${identifierToString(from)} to ${identifierToString(to)}`, err);
      if (e.kind === 'already-exists')
        throw new FloeError('already-exists', `table ${identifierToString(to)} already exists`, {
          cause: err,
        });
      throw e;
    }
    try {
      await client.send(
        new sdk.DeleteTableCommand({
          ...this.catalogIdParam,
          DatabaseName: dbName(from.namespace),
          Name: from.name,
        }),
      );
    } catch (err) {
      // Undo: two names for one table would let two writers commit to it without seeing each other.
      await client
        .send(new sdk.DeleteTableCommand({ ...this.catalogIdParam, DatabaseName: toDb, Name: to.name }))
        .catch(() => undefined);
      throw this.error(`rename ${identifierToString(from)}: delete the old entry`, err);
    }
  }

  async dropTable(identifier: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    const loaded = options.purge ? await this.loadTable(identifier) : undefined;
    if (!loaded) await this.glueTable(identifier);
    const { sdk, client } = await this.conn();
    try {
      await client.send(
        new sdk.DeleteTableCommand({
          ...this.catalogIdParam,
          DatabaseName: dbName(identifier.namespace),
          Name: identifier.name,
        }),
      );
    } catch (err) {
      throw this.error(`drop table ${identifierToString(identifier)}`, err);
    }
    if (loaded) {
      const io = loaded.io;
      const dir = loaded.metadata.location;
      if (io.deleteDirectory) await io.deleteDirectory(dir);
      else await Promise.all((await io.list(`${dir}/`)).map((f) => io.delete(f.path)));
    }
  }
}
