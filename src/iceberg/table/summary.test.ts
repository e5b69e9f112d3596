import { describe, expect, it } from 'vitest';
import type { DataFile } from '../spec/model.js';
import { appendSummary } from './summary.js';

const file = (records: bigint, size: bigint, partition: number): DataFile => ({
  content: 0,
  filePath: `/t/${partition}-${records}.parquet`,
  fileFormat: 'PARQUET',
  partition: [partition],
  recordCount: records,
  fileSizeInBytes: size,
  specId: 0,
});

describe('appendSummary', () => {
  it('counts what is added and carries totals from the parent', () => {
    const first = appendSummary(undefined, [file(10n, 100n, 1), file(5n, 50n, 1)], {
      'floe.kinesis.s.shard-0': '42',
    });
    expect(first).toMatchObject({
      operation: 'append',
      'added-data-files': '2',
      'added-records': '15',
      'added-files-size': '150',
      'changed-partition-count': '1',
      'total-records': '15',
      'total-data-files': '2',
      'total-files-size': '150',
      'total-delete-files': '0',
      'floe.kinesis.s.shard-0': '42',
    });
    const second = appendSummary(first, [file(1n, 9007199254740993n, 2)]);
    expect(second['total-records']).toBe('16');
    expect(second['total-files-size']).toBe('9007199254741143');
    expect(second['floe.kinesis.s.shard-0']).toBeUndefined();
  });

  it('omits totals the parent does not have', () => {
    const s = appendSummary({ operation: 'append' }, [file(1n, 1n, 1)]);
    expect(s['total-records']).toBeUndefined();
    expect(s['added-records']).toBe('1');
  });

  it('does not let extra properties override the operation', () => {
    expect(appendSummary(undefined, [], { operation: 'delete' }).operation).toBe('append');
  });
});
