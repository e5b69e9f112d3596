/**
 * Shared interop fixtures: a schema with every Iceberg v2 primitive and rows that hit the edges
 * (int64 extremes, timestamps before 1970 and far in the future, NaN/±Infinity/-0, unicode).
 */
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t, type IcebergType, type NestedField, type Value } from '../../src/iceberg/spec/types.js';

export const PRIMITIVES: readonly [string, IcebergType][] = [
  ['c_boolean', t.boolean],
  ['c_int', t.int],
  ['c_long', t.long],
  ['c_float', t.float],
  ['c_double', t.double],
  ['c_dec9_2', t.decimal(9, 2)],
  ['c_dec38_10', t.decimal(38, 10)],
  ['c_date', t.date],
  ['c_time', t.time],
  ['c_timestamp', t.timestamp],
  ['c_timestamptz', t.timestamptz],
  ['c_string', t.string],
  ['c_uuid', t.uuid],
  ['c_fixed16', t.fixed(16)],
  ['c_binary', t.binary],
];

/** `id` (long, required) then one optional column per primitive, ids from 2. */
export function allTypesSchema(): Schema {
  const fields: NestedField[] = [{ id: 1, name: 'id', required: true, type: t.long }];
  PRIMITIVES.forEach(([name, type], i) => fields.push({ id: i + 2, name, required: false, type }));
  return new Schema(fields);
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const MICROS_PER_DAY = 86_400_000_000n;

/** Microseconds since the epoch of an ISO instant, exact for any year Date can hold. */
export function micros(iso: string, extraMicros = 0n): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return BigInt(ms) * 1000n + extraMicros;
}

export function days(isoDate: string): number {
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000);
}

/** Rows covering every primitive's edges; each column also has nulls. */
export function edgeRows(): Record<string, Value>[] {
  return [
    {
      id: 1n,
      c_boolean: true,
      c_int: -2147483648,
      c_long: -9223372036854775808n,
      c_float: 0.1,
      c_double: Number.NaN,
      c_dec9_2: -9999999n, // -99999.99
      c_dec38_10: 99999999999999999999999999999999999999n,
      c_date: days('1969-12-31'),
      c_time: 86_399_999_999n,
      c_timestamp: micros('1900-01-01T00:00:00Z', 1n),
      c_timestamptz: micros('1969-12-31T23:59:59.999Z', 999n),
      c_string: 'héllo 😀 中文 e\u0301',
      c_uuid: 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
      c_fixed16: bytes('00112233445566778899aabbccddeeff'),
      c_binary: new Uint8Array(0),
    },
    {
      id: 2n,
      c_boolean: false,
      c_int: 2147483647,
      c_long: 9223372036854775807n,
      c_float: -0,
      c_double: Number.POSITIVE_INFINITY,
      c_dec9_2: 9999999n,
      c_dec38_10: -99999999999999999999999999999999999999n,
      c_date: days('9999-12-31'),
      c_time: 0n,
      c_timestamp: micros('9999-12-31T23:59:59.999Z', 999n),
      c_timestamptz: micros('2262-04-12T00:00:00Z'), // past the int64-nanosecond limit
      c_string: '',
      c_uuid: '00000000-0000-0000-0000-000000000000',
      c_fixed16: bytes('ffffffffffffffffffffffffffffffff'),
      c_binary: bytes('00ff00'),
    },
    {
      id: 3n,
      c_boolean: null,
      c_int: 0,
      c_long: 0n,
      c_float: Number.NEGATIVE_INFINITY,
      c_double: -0,
      c_dec9_2: 1n,
      c_dec38_10: 0n,
      c_date: days('0001-01-01'),
      c_time: 43_200_000_001n,
      c_timestamp: -1n,
      c_timestamptz: 0n,
      c_string: '日本語テキスト 한국어 ﷽ \u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
      c_uuid: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
      c_fixed16: null,
      c_binary: null,
    },
    // all-null row (nullable columns only)
    { id: 4n },
    {
      id: 5n,
      c_boolean: true,
      c_int: -1,
      c_long: -(2n ** 53n) - 1n,
      c_float: 3.4028234663852886e38,
      c_double: 5e-324,
      c_dec9_2: -1n,
      c_dec38_10: 12345678901234567890123456789n,
      c_date: 0,
      c_time: 1n,
      c_timestamp: 0n,
      c_timestamptz: -MICROS_PER_DAY * 365n * 300n,
      c_string: 'a\u0000b "quoted" \\ \n\t',
      c_uuid: '123e4567-e89b-12d3-a456-426614174000',
      c_fixed16: bytes('0102030405060708090a0b0c0d0e0f10'),
      c_binary: bytes('deadbeef'),
    },
  ];
}
