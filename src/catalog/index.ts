/**
 * Picks and configures the concrete catalog from flat options (CLI flags / config file):
 *
 *   file  warehouse (dir or s3://…)
 *   glue  warehouse (s3://… for new tables), region, endpoint (Glue), s3Endpoint, createDatabase,
 *         catalogId; credentials from the AWS chain (or accessKeyId/secretAccessKey/sessionToken)
 *   rest  uri, warehouse, and one of: token (static bearer), credential (`id:secret`, OAuth2 client
 *         credentials; oauth2ServerUri, scope), sigv4 (+ signingRegion, signingName)
 */
import { FloeError } from '../errors.js';
import type { Catalog } from '../iceberg/catalog.js';
import { S3FileIO, type S3FileIOOptions } from '../iceberg/io/s3.js';
import { FileCatalog } from './file/index.js';
import { GlueCatalog } from './glue/index.js';
import { RestCatalog, type RestAuth } from './rest/index.js';

export { FileCatalog } from './file/index.js';
export { GlueCatalog, type GlueCatalogOptions } from './glue/index.js';
export { RestCatalog, type RestAuth, type RestCatalogOptions } from './rest/index.js';

export type CatalogKind = 'file' | 'glue' | 'rest';

export interface CatalogOptions {
  catalog?: CatalogKind | string;
  /** REST: base URI. */
  uri?: string;
  warehouse?: string;
  /** REST OAuth2 client credentials, `client_id:client_secret`. */
  credential?: string;
  /** REST static bearer token. */
  token?: string;
  oauth2ServerUri?: string;
  scope?: string;
  /** REST: sign requests with AWS SigV4 (Glue's Iceberg endpoint, S3 Tables). */
  sigv4?: boolean;
  /** SigV4 service name; default `glue`. */
  signingName?: string;
  signingRegion?: string;
  region?: string;
  /** Glue endpoint override. */
  endpoint?: string;
  /** S3 endpoint override for the tables' files (Glue, file catalog on s3://, REST fallback). */
  s3Endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  createDatabase?: boolean;
  catalogId?: string;
  /** Extra REST catalog properties (FileIO settings), and HTTP headers. */
  properties?: Record<string, string>;
  headers?: Record<string, string>;
  timeoutMs?: number;
  name?: string;
}

function staticCredentials(o: CatalogOptions) {
  if (!o.accessKeyId && !o.secretAccessKey) return undefined;
  if (!o.accessKeyId || !o.secretAccessKey)
    throw new FloeError('config', 'set both the access key id and the secret access key, or neither');
  return {
    accessKeyId: o.accessKeyId,
    secretAccessKey: o.secretAccessKey,
    ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
  };
}

function s3Options(o: CatalogOptions): S3FileIOOptions | undefined {
  const credentials = staticCredentials(o);
  if (!o.s3Endpoint && !o.region && !credentials) return undefined;
  return {
    ...(o.s3Endpoint ? { endpoint: o.s3Endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

export function restAuthFromOptions(o: CatalogOptions): RestAuth {
  const chosen = [o.token, o.credential, o.sigv4 ? 'x' : undefined].filter(Boolean).length;
  if (chosen > 1)
    throw new FloeError('config', 'choose one REST authentication: a token, an OAuth2 credential, or SigV4');
  if (o.token) return { type: 'bearer', token: o.token };
  if (o.credential) {
    return {
      type: 'oauth2',
      credential: o.credential,
      ...(o.oauth2ServerUri ? { serverUri: o.oauth2ServerUri } : {}),
      ...(o.scope ? { scope: o.scope } : {}),
    };
  }
  if (o.sigv4) {
    const region = o.signingRegion ?? o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new FloeError('config', 'SigV4 signing needs a region (--region or AWS_REGION)');
    const credentials = staticCredentials(o);
    return {
      type: 'sigv4',
      region,
      service: o.signingName ?? 'glue',
      ...(credentials ? { credentials } : {}),
    };
  }
  return { type: 'none' };
}

/** The catalog the options describe. Nothing is contacted until the first call. */
export function catalogFromOptions(o: CatalogOptions): Catalog {
  const kind = o.catalog ?? 'file';
  switch (kind) {
    case 'file': {
      if (!o.warehouse) throw new FloeError('config', 'the file catalog needs a warehouse (--warehouse)');
      const s3 = s3Options(o);
      return new FileCatalog({
        warehouse: o.warehouse,
        ...(s3 && o.warehouse.startsWith('s3') ? { io: new S3FileIO(s3) } : {}),
        ...(o.name ? { name: o.name } : {}),
      });
    }
    case 'glue': {
      const credentials = staticCredentials(o);
      const s3 = s3Options(o);
      return new GlueCatalog({
        ...(o.warehouse ? { warehouse: o.warehouse } : {}),
        ...(o.region ? { region: o.region } : {}),
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(s3 ? { s3 } : {}),
        ...(o.createDatabase !== undefined ? { createDatabase: o.createDatabase } : {}),
        ...(o.catalogId ? { catalogId: o.catalogId } : {}),
        ...(o.name ? { name: o.name } : {}),
      });
    }
    case 'rest': {
      if (!o.uri) throw new FloeError('config', 'the REST catalog needs a URI (--uri)');
      const props: Record<string, string> = { ...o.properties };
      if (o.s3Endpoint) props['s3.endpoint'] ??= o.s3Endpoint;
      if (o.region) props['client.region'] ??= o.region;
      return new RestCatalog({
        uri: o.uri,
        auth: restAuthFromOptions(o),
        ...(o.warehouse ? { warehouse: o.warehouse } : {}),
        properties: props,
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
        ...(o.name ? { name: o.name } : {}),
      });
    }
    default:
      throw new FloeError('usage', `unknown catalog "${kind}": expected file, glue or rest`);
  }
}
