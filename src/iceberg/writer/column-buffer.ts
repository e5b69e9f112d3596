/**
 * Per-column buffers of one open data file: the values of the row group being assembled, and the
 * file's running metrics (counts, NaN count, min/max over the JS values). Appending, type checking,
 * and metrics happen in one tight loop per column, specialised per type, so no per-row object
 * is ever created.
 */
import { FloeError } from '../../errors.js';
import type { NestedField, PrimitiveType, Value } from '../spec/types.js';
import { decimalRequiredBytes } from './parquet-schema.js';

/** How the append loop treats a column's values. */
type Kind = 'boolean' | 'int32' | 'float' | 'int64' | 'string' | 'uuid' | 'bytes';

function kindOf(type: PrimitiveType): Kind {
  switch (type.kind) {
    case 'boolean':
      return 'boolean';
    case 'int':
    case 'date':
      return 'int32';
    case 'float':
    case 'double':
      return 'float';
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'decimal':
      return 'int64';
    case 'string':
      return 'string';
    case 'uuid':
      return 'uuid';
    case 'fixed':
    case 'binary':
      return 'bytes';
  }
}

/** Rough plain-encoded bytes of one non-null value of a fixed-width type (0 = variable width). */
function fixedWidthOf(type: PrimitiveType): number {
  switch (type.kind) {
    case 'boolean':
      return 1;
    case 'int':
    case 'date':
    case 'float':
      return 4;
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'double':
      return 8;
    case 'uuid':
      return 16;
    case 'fixed':
      return type.length;
    case 'decimal':
      return type.precision <= 9 ? 4 : type.precision <= 18 ? 8 : decimalRequiredBytes(type.precision);
    case 'string':
    case 'binary':
      return 0;
  }
}

/**
 * Order of strings by their UTF-8 bytes (= code point order), which is the order Iceberg bounds
 * use. JS `<` compares UTF-16 units and only disagrees when a surrogate (a code point above
 * U+FFFF) meets a unit in U+E000..U+FFFF, so only that case needs care.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  const xs = x >= 0xd800 && x <= 0xdfff;
  const ys = y >= 0xd800 && y <= 0xdfff;
  if (xs !== ys) {
    if (xs && y >= 0xe000) return 1;
    if (ys && x >= 0xe000) return -1;
  }
  return x - y;
}

/** Unsigned lexicographic order of byte arrays. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const HIGH_UNITS = /[\uD800-\uFFFF]/;

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? Object.prototype.toString.call(v) : String(v);
}

/** One column of a finished row group: its values and Parquet chunk statistics. */
export interface RowGroupColumn {
  values: Value[];
  min: Value | undefined;
  max: Value | undefined;
  nulls: number;
  nans: number;
}

export class ColumnBuffer {
  readonly field: NestedField;
  readonly type: PrimitiveType;
  private readonly kind: Kind;
  private readonly width: number;
  /** Values of the row group being assembled. */
  values: Value[] = [];
  /** Estimated plain-encoded bytes of `values`. */
  bytes = 0;
  // Running metrics over the whole file (min/max merged in from each row group).
  valueCount = 0;
  nullCount = 0;
  nanCount = 0;
  /** Smallest/largest non-null, non-NaN value; undefined while none was seen. */
  min: Value | undefined = undefined;
  max: Value | undefined = undefined;
  // The same for the row group being assembled: they become its Parquet footer statistics.
  private rgMin: Value | undefined = undefined;
  private rgMax: Value | undefined = undefined;
  private rgNulls = 0;
  private rgNans = 0;

  constructor(field: NestedField) {
    this.field = field;
    this.type = field.type as PrimitiveType;
    this.kind = kindOf(this.type);
    this.width = fixedWidthOf(this.type);
  }

  /** Hands over the row group's values and statistics and starts the next row group. */
  takeRowGroup(): RowGroupColumn {
    this.fixStringOrder();
    const group: RowGroupColumn = {
      values: this.values,
      min: this.rgMin,
      max: this.rgMax,
      nulls: this.rgNulls,
      nans: this.rgNans,
    };
    if (this.rgMin !== undefined && (this.min === undefined || this.compare(this.rgMin, this.min) < 0)) {
      this.min = this.rgMin;
    }
    if (this.rgMax !== undefined && (this.max === undefined || this.compare(this.rgMax, this.max) > 0)) {
      this.max = this.rgMax;
    }
    this.values = [];
    this.bytes = 0;
    this.rgMin = this.rgMax = undefined;
    this.rgNulls = this.rgNans = 0;
    return group;
  }

  /** The order of bounds for this column's type (NaN never reaches it). */
  private compare(a: Value, b: Value): number {
    switch (this.kind) {
      case 'string':
        return compareUtf8(a as string, b as string);
      case 'bytes':
        return compareBytes(a as Uint8Array, b as Uint8Array);
      case 'boolean':
        return Number(a) - Number(b);
      case 'float':
        if (a === 0 && b === 0) return Number(Object.is(b, -0)) - Number(Object.is(a, -0));
        return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
      default:
        return (a as number | bigint | string) < (b as number | bigint | string)
          ? -1
          : (a as number | bigint | string) > (b as number | bigint | string)
            ? 1
            : 0;
    }
  }

  /**
   * Appends `src[rows[k]]` for k in [start, end), or `src[k]` when `rows` is null. A missing
   * column (`src` undefined) is all nulls.
   */
  append(src: readonly Value[] | undefined, rows: Int32Array | null, start: number, end: number): void {
    if (end <= start) return;
    if (src === undefined) {
      if (this.field.required) this.fail(null);
      for (let k = start; k < end; k++) this.values.push(null);
      this.valueCount += end - start;
      this.nullCount += end - start;
      return;
    }
    const before = this.values.length;
    let nulls: number;
    switch (this.kind) {
      case 'boolean':
        nulls = this.appendBoolean(src, rows, start, end);
        break;
      case 'int32':
        nulls = this.appendInt32(src, rows, start, end);
        break;
      case 'float':
        nulls = this.appendFloat(src, rows, start, end);
        break;
      case 'int64':
        nulls = this.appendInt64(src, rows, start, end);
        break;
      case 'string':
        nulls = this.appendString(src, rows, start, end, true);
        break;
      case 'uuid':
        nulls = this.appendString(src, rows, start, end, false);
        break;
      case 'bytes':
        nulls = this.appendBytes(src, rows, start, end);
        break;
    }
    const appended = this.values.length - before;
    this.valueCount += appended;
    this.nullCount += nulls;
    this.rgNulls += nulls;
    if (this.width > 0) this.bytes += (appended - nulls) * this.width;
  }

  private fail(v: unknown): never {
    const what = `column "${this.field.name}" (${this.type.kind})`;
    if (v === null || v === undefined)
      throw new FloeError('input', `${what} is required but a row has no value`);
    throw new FloeError('input', `${what}: ${describe(v)} is not a valid value of this type`);
  }

  private appendBoolean(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.values;
    const required = this.field.required;
    let nulls = 0;
    let min = this.rgMin as boolean | undefined;
    let max = this.rgMax as boolean | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      if (typeof v !== 'boolean') this.fail(v);
      out.push(v);
      if (min === undefined || (min && !v)) min = v;
      if (max === undefined || (!max && v)) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private appendInt32(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.values;
    const required = this.field.required;
    let nulls = 0;
    let min = this.rgMin as number | undefined;
    let max = this.rgMax as number | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      // (v | 0) === v holds exactly for int32 integers (and -0, which is 0 as an int).
      if (typeof v !== 'number' || (v | 0) !== v) this.fail(v);
      out.push(v);
      if (min === undefined) min = max = v;
      else if (v < min) min = v;
      else if (v > max!) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private appendFloat(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.values;
    const required = this.field.required;
    let nulls = 0;
    let nans = 0;
    let min = this.rgMin as number | undefined;
    let max = this.rgMax as number | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      if (typeof v !== 'number') this.fail(v);
      out.push(v);
      if (v !== v) {
        nans++; // NaN is counted but never bounds (spec: bounds exclude NaN)
        continue;
      }
      if (min === undefined) min = max = v;
      // -0 sorts before 0, as in Java's Float.compare that Iceberg bounds follow.
      else if (v < min || (v === 0 && min === 0 && Object.is(v, -0))) min = v;
      else if (v > max! || (v === 0 && max === 0 && Object.is(max, -0))) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    this.nanCount += nans;
    this.rgNans += nans;
    return nulls;
  }

  private appendInt64(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.values;
    const required = this.field.required;
    // Out-of-range values would be written wrapped or truncated, so they are rejected here.
    const [lo, hi] = this.int64Range();
    let nulls = 0;
    let min = this.rgMin as bigint | undefined;
    let max = this.rgMax as bigint | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      if (typeof v !== 'bigint' || v < lo || v > hi) this.fail(v);
      out.push(v);
      if (min === undefined) min = max = v;
      else if (v < min) min = v;
      else if (v > max!) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private int64Range(): [bigint, bigint] {
    if (this.type.kind === 'decimal') {
      const max = 10n ** BigInt(this.type.precision) - 1n;
      return [-max, max];
    }
    return [-(1n << 63n), (1n << 63n) - 1n];
  }

  /** Strings (`utf8`: ordered by UTF-8 bytes) and UUIDs (canonical lower-case hex orders like the bytes). */
  private appendString(
    src: readonly Value[],
    rows: Int32Array | null,
    start: number,
    end: number,
    utf8: boolean,
  ): number {
    const out = this.values;
    const required = this.field.required;
    let nulls = 0;
    let bytes = 0;
    let min = this.rgMin as string | undefined;
    let max = this.rgMax as string | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      if (typeof v !== 'string') this.fail(v);
      out.push(v);
      bytes += v.length + 4;
      // UTF-16 order here (native and fast); takeRowGroup corrects it to UTF-8 order when needed.
      if (min === undefined) min = max = v;
      else if (v < min) min = v;
      else if (v > max!) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    if (utf8) this.bytes += bytes;
    return nulls;
  }

  /**
   * The row group's string min/max were found in UTF-16 order. Where that differs from UTF-8 order
   * (a surrogate against a unit in U+E000..U+FFFF at the first difference), the UTF-16 minimum
   * holds a surrogate or the UTF-16 maximum a unit >= U+E000. So unless the min or max has a unit
   * in U+D800..U+FFFF they are already right; otherwise (rare: emoji, fullwidth forms) recompute.
   */
  private fixStringOrder(): void {
    if (this.kind !== 'string' || this.rgMin === undefined) return;
    if (!HIGH_UNITS.test(this.rgMin as string) && !HIGH_UNITS.test(this.rgMax as string)) return;
    let min: string | undefined;
    let max: string | undefined;
    for (const v of this.values as (string | null)[]) {
      if (v === null) continue;
      if (min === undefined) min = max = v;
      else if (compareUtf8(v, min) < 0) min = v;
      else if (compareUtf8(v, max!) > 0) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
  }

  private appendBytes(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.values;
    const required = this.field.required;
    const fixed = this.type.kind === 'fixed' ? this.type.length : -1;
    let nulls = 0;
    let bytes = 0;
    let min = this.rgMin as Uint8Array | undefined;
    let max = this.rgMax as Uint8Array | undefined;
    for (let k = start; k < end; k++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        out.push(null);
        continue;
      }
      if (!(v instanceof Uint8Array) || (fixed >= 0 && v.length !== fixed)) this.fail(v);
      out.push(v);
      bytes += v.length + 4;
      if (min === undefined) min = max = v;
      else if (compareBytes(v, min) < 0) min = v;
      else if (compareBytes(v, max!) > 0) max = v;
    }
    this.rgMin = min;
    this.rgMax = max;
    if (fixed < 0) this.bytes += bytes;
    return nulls;
  }
}
