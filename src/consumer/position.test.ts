import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  formatCheckpoint,
  isCommitted,
  mergePositions,
  parseCheckpoint,
  positionSummary,
  positionsFromSummary,
  WHOLE,
  type Checkpoint,
  type Position,
} from './position.js';

const seq = fc.bigInt({ min: 0n, max: 10n ** 56n });
const position: fc.Arbitrary<Position> = fc.record({
  sequence: seq,
  sub: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(WHOLE)),
});
const checkpoint: fc.Arbitrary<Checkpoint> = fc.oneof(
  { weight: 9, arbitrary: position },
  { weight: 1, arbitrary: fc.constant('end' as const) },
);
const shard = fc.constantFrom('shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002');
const positions = fc.array(fc.tuple(shard, checkpoint), { maxLength: 4 }).map((e) => new Map(e));

describe('positions: the exactly-once rule', () => {
  it('compare is a total order consistent with (sequence, sub-sequence), `end` above all', () => {
    fc.assert(
      fc.property(checkpoint, checkpoint, checkpoint, (a, b, c) => {
        expect(Math.sign(comparePositions(a, b)) + Math.sign(comparePositions(b, a))).toBe(0);
        if (comparePositions(a, b) <= 0 && comparePositions(b, c) <= 0)
          expect(comparePositions(a, c)).toBeLessThanOrEqual(0);
        if (a !== 'end' && b !== 'end') {
          const lex =
            a.sequence !== b.sequence ? (a.sequence < b.sequence ? -1 : 1) : Math.sign(a.sub - b.sub);
          expect(Math.sign(comparePositions(a, b))).toBe(lex);
        } else if (a === 'end') expect(comparePositions(a, b)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('format/parse round-trips exactly (sequence numbers beyond 2^53 included)', () => {
    fc.assert(
      fc.property(checkpoint, (c) => {
        expect(parseCheckpoint(formatCheckpoint(c))).toEqual(c);
      }),
    );
  });

  it('skip-at-or-below: replaying a shard from any point and skipping keeps every record exactly once', () => {
    // A shard of Kinesis records, some aggregates; a consumer committed up to some record; a
    // re-read from anywhere at or before that point plus the skip rule yields exactly the rest.
    const shardRecords = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 })
      .map((subs) => {
        const out: Position[] = [];
        subs.forEach((n, i) => {
          for (let s = 0; s < n; s++) out.push({ sequence: BigInt(100 + i * 3), sub: n === 1 ? 0 : s });
        });
        return out;
      });
    fc.assert(
      fc.property(shardRecords, fc.nat(), fc.nat(), fc.boolean(), (recs, cut, from, whole) => {
        const upto = recs[cut % recs.length] as Position;
        // "<seq>" (whole record) or "<seq>:<sub>" (part of an aggregate) as the committed checkpoint.
        const committed: Checkpoint = whole ? { sequence: upto.sequence, sub: WHOLE } : upto;
        const inTable = recs.filter((r) => comparePositions(r, committed) <= 0);
        const replayStart = Math.min(from % recs.length, inTable.length);
        const replayed = recs.slice(replayStart).filter((r) => !isCommitted(r, committed));
        expect([...inTable, ...replayed]).toEqual(recs);
      }),
    );
  });

  it('cumulative merge: per shard the maximum, commutative, idempotent, never loses a shard', () => {
    fc.assert(
      fc.property(positions, positions, positions, (a, b, c) => {
        const ab = mergePositions(a, b);
        expect(ab).toEqual(mergePositions(b, a));
        expect(mergePositions(ab, c)).toEqual(mergePositions(a, mergePositions(b, c)));
        expect(mergePositions(ab, ab)).toEqual(ab);
        for (const [k, v] of [...a, ...b])
          expect(comparePositions(ab.get(k) as Checkpoint, v)).toBeGreaterThanOrEqual(0);
        expect(new Set(ab.keys())).toEqual(new Set([...a.keys(), ...b.keys()]));
      }),
    );
  });

  it('positionSummary copies every floe.kinesis.* key of the head and advances only this stream', () => {
    fc.assert(
      fc.property(positions, positions, positions, (otherStream, head, advance) => {
        const headSummary: Record<string, string> = { operation: 'append', 'total-records': '5' };
        for (const [k, v] of otherStream) headSummary[`floe.kinesis.other.${k}`] = formatCheckpoint(v);
        for (const [k, v] of head) headSummary[`floe.kinesis.s.${k}`] = formatCheckpoint(v);
        const { summary, positions: merged } = positionSummary(headSummary, 's', advance);
        expect(positionsFromSummary(summary, 'other')).toEqual(otherStream);
        expect(positionsFromSummary(summary, 's')).toEqual(mergePositions(head, advance));
        expect(merged).toEqual(mergePositions(head, advance));
        expect(summary['total-records']).toBeUndefined();
      }),
    );
  });
});
