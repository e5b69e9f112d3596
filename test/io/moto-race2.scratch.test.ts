import { spawn } from 'node:child_process';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { S3FileIO } from '../../src/iceberg/io/s3.js';
it('race x20 on plain moto_server', async () => {
  const child = spawn('/work/main/.cache/venv/bin/moto_server', ['-H', '127.0.0.1', '-p', '45871'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 4000));
  const endpoint = 'http://127.0.0.1:45871';
  const credentials = { accessKeyId: 't', secretAccessKey: 't' };
  const client = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: 'race-bucket' }));
  const io = new S3FileIO({ endpoint, region: 'us-east-1', credentials });
  let bad = 0;
  for (let round = 0; round < 20; round++) {
    const r = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => io.write(`s3://race-bucket/r${round}`, new Uint8Array([i]), { exclusive: true })));
    if (r.filter((x) => x.status === 'fulfilled').length !== 1) bad++;
  }
  await io.close(); client.destroy(); child.kill('SIGTERM');
  console.log('rounds with more than one winner:', bad);
  expect(bad).toBeGreaterThanOrEqual(0);
});
