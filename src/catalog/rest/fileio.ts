/**
 * The FileIO a REST catalog hands out for a table: the catalog's own properties, overlaid with the
 * `config` of the loadTable response, overlaid with the best-matching vended `storage-credentials`
 * entry (longest prefix of the table location). Keys follow Iceberg's S3FileIO properties.
 */
import type { FileIO } from '../../iceberg/io/fileio.js';
import { fileIOFor } from '../../iceberg/io/index.js';

export interface StorageCredential {
  prefix: string;
  config: Record<string, string>;
}

export function effectiveIOProperties(
  base: Readonly<Record<string, string>>,
  tableConfig: Readonly<Record<string, string>>,
  credentials: readonly StorageCredential[],
  location: string,
): Record<string, string> {
  const out: Record<string, string> = { ...base, ...tableConfig };
  let best: StorageCredential | undefined;
  for (const c of credentials) {
    if (location.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
  }
  if (best) Object.assign(out, best.config);
  return out;
}

/** A FileIO for `location` configured from Iceberg's FileIO properties. */
export function fileIOFromProperties(location: string, props: Readonly<Record<string, string>>): FileIO {
  const accessKeyId = props['s3.access-key-id'];
  const secretAccessKey = props['s3.secret-access-key'];
  const sessionToken = props['s3.session-token'];
  const endpoint = props['s3.endpoint'];
  const region = props['s3.region'] ?? props['client.region'];
  const pathStyle = props['s3.path-style-access'];
  return fileIOFor(location, {
    s3: {
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      ...(pathStyle !== undefined ? { forcePathStyle: pathStyle === 'true' } : {}),
      ...(accessKeyId && secretAccessKey
        ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
        : {}),
    },
  });
}
