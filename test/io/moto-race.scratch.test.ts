import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { S3FileIO } from '../../src/iceberg/io/s3.js';
import { startMoto } from '../setup/moto.js';
it('race x20', async () => {
  const moto = await startMoto();
  const client = new S3Client({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: 'race-bucket' }));
  const io = new S3FileIO({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  let bad = 0;
  for (let round = 0; round < 20; round++) {
    const r = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => io.write(`s3://race-bucket/r${round}`, new Uint8Array([i]), { exclusive: true })));
    if (r.filter((x) => x.status === 'fulfilled').length !== 1) bad++;
  }
  await io.close(); client.destroy(); await moto.stop();
  expect(bad).toBe(0);
});
