/**
 * One writer of the cross-process commit test: `count` append-style commits (add-snapshot +
 * set-snapshot-ref main, guarded by assert-ref-snapshot-id) to ns.t in the given warehouse,
 * re-loading and retrying on every retryable commit-conflict. Prints `ready`, waits for a line on
 * stdin, commits, then prints {"conflicts": n}.
 */
import { randomBytes } from 'node:crypto';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { isFloeError } from '../../src/errors.js';
import type { Snapshot } from '../../src/iceberg/spec/model.js';

const [warehouse, countText, writer] = process.argv.slice(2);
if (!warehouse || !countText || !writer)
  throw new Error('usage: commit-child.ts <warehouse> <count> <writer>');
const catalog = new FileCatalog({ warehouse });
const id = { namespace: ['ns'], name: 't' };
let conflicts = 0;

// Start together: the parent says "go" once both children have loaded their modules, so the two
// writers really overlap instead of one finishing while the other is still starting up.
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();

for (let i = 0; i < Number(countText); i++) {
  const snapshotId = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  for (;;) {
    const loaded = await catalog.loadTable(id);
    const parent = loaded.metadata.currentSnapshotId;
    const snapshot: Snapshot = {
      snapshotId,
      ...(parent !== null ? { parentSnapshotId: parent } : {}),
      sequenceNumber: loaded.metadata.lastSequenceNumber + 1n,
      timestampMs: Date.now(),
      manifestList: `${loaded.metadata.location}/metadata/snap-${snapshotId}.avro`,
      summary: { operation: 'append', 'floe.test.writer': writer, 'floe.test.commit': String(i) },
    };
    try {
      await catalog.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parent }],
        updates: [
          { action: 'add-snapshot', snapshot },
          { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
        ],
      });
      break;
    } catch (err) {
      if (!(isFloeError(err, 'commit-conflict') && err.retryable)) throw err;
      conflicts++;
    }
  }
}
process.stdout.write(JSON.stringify({ conflicts }) + '\n');
