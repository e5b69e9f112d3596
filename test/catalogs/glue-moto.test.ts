/**
 * The Glue catalog on a moto server (Glue + S3, one server for this file): the behaviour suite
 * with tables on S3, PyIceberg's GlueCatalog reading them, and a non-Iceberg Glue table.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFromOptions, GlueCatalog } from '../../src/catalog/index.js';
import { isFloeError } from '../../src/errors.js';
import { startMoto, type Moto } from '../setup/moto.js';
import { catalogBehaviour, rejection } from './behaviour.js';

let moto: Moto;
const bucket = 'floe-glue';
beforeAll(async () => {
  moto = await startMoto();
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
}, 900_000);
afterAll(async () => {
  await moto?.stop();
});
let n = 0;

function glue(): GlueCatalog {
  return catalogFromOptions({
    catalog: 'glue',
    warehouse: `s3://${bucket}/wh`,
    endpoint: moto.endpoint,
    s3Endpoint: moto.endpoint,
    region: moto.region,
    accessKeyId: moto.credentials.accessKeyId,
    secretAccessKey: moto.credentials.secretAccessKey,
  }) as GlueCatalog;
}

describe('Glue catalog on moto', () => {
  catalogBehaviour('glue', () => ({
    catalog: glue,
    namespace: () => [`db${n++}`],
    pyiceberg: (id) => ({
      properties: {
        type: 'glue',
        'glue.endpoint': moto.endpoint,
        'glue.region': moto.region,
        'glue.access-key-id': 'test',
        'glue.secret-access-key': 'test',
        's3.endpoint': moto.endpoint,
        's3.region': moto.region,
        's3.access-key-id': 'test',
        's3.secret-access-key': 'test',
      },
      table: `${id.namespace.join('.')}.${id.name}`,
    }),
  }));

  it('writes the Glue entry the way Athena and Java GlueCatalog expect', async () => {
    const catalog = glue();
    const db = `athena${n++}`;
    await catalog.createNamespace([db]);
    const created = await catalog.createTable({
      identifier: { namespace: [db], name: 't' },
      schema: (await import('./behaviour.js')).schema,
    });
    expect(created.metadataLocation).toMatch(
      new RegExp(`^s3://${bucket}/wh/${db}\\.db/t/metadata/00000-[0-9a-f-]+\\.metadata\\.json$`),
    );
    const client = new GlueClient({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
    });
    const { GetTableCommand } = await import('@aws-sdk/client-glue');
    const t1 = (await client.send(new GetTableCommand({ DatabaseName: db, Name: 't' }))).Table!;
    expect(t1.Parameters).toMatchObject({
      table_type: 'ICEBERG',
      metadata_location: created.metadataLocation,
    });
    expect(t1.TableType).toBe('EXTERNAL_TABLE');
    expect(t1.StorageDescriptor?.Location).toBe(`s3://${bucket}/wh/${db}.db/t`);
    expect(t1.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'bigint'],
      ['name', 'string'],
    ]);
    const next = await catalog.commitTable({
      identifier: { namespace: [db], name: 't' },
      requirements: [],
      updates: [{ action: 'set-properties', updates: { k: 'v' } }],
    });
    expect(next.metadataLocation).toMatch(/\/00001-[0-9a-f-]+\.metadata\.json$/);
    const t2 = (await client.send(new GetTableCommand({ DatabaseName: db, Name: 't' }))).Table!;
    expect(t2.Parameters?.previous_metadata_location).toBe(created.metadataLocation);
    expect(t2.Parameters?.metadata_location).toBe(next.metadataLocation);
    client.destroy();
  });

  it('bad input: a Glue table that is not Iceberg, a nested namespace, an unreachable endpoint', async () => {
    const catalog = glue();
    const db = `hive${n++}`;
    await catalog.createNamespace([db]);
    const client = new GlueClient({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
    });
    await client.send(
      new CreateTableCommand({
        DatabaseName: db,
        TableInput: { Name: 'csv_logs', TableType: 'EXTERNAL_TABLE', Parameters: { classification: 'csv' } },
      }),
    );
    client.destroy();
    const err = await rejection(catalog.loadTable({ namespace: [db], name: 'csv_logs' }));
    expect(isFloeError(err, 'usage')).toBe(true);
    expect(err.message).toBe(`Glue table ${db}.csv_logs is not an Iceberg table (table_type=unset)`);
    expect(await catalog.listTables([db])).toEqual([]);
    const nested = await rejection(catalog.loadTable({ namespace: ['a', 'b'], name: 't' }));
    expect(isFloeError(nested, 'usage')).toBe(true);
    const down = new GlueCatalog({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: moto.credentials,
      clientConfig: { maxAttempts: 1 },
    });
    const unreachable = await rejection(down.listNamespaces());
    expect(isFloeError(unreachable, 'io')).toBe(true);
    expect(unreachable.message).toMatch(
      /^Glue: list databases: cannot reach the Glue endpoint \(ECONNREFUSED/,
    );
  });
});
