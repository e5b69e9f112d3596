/**
 * Per-column encoders of one open data file. Appending, type checking, metrics and encoding
 * happen in one tight loop per column, specialised per type: values go straight into typed page
 * buffers (Int32Array, Float64Array, BigInt64Array, dictionary indexes, UTF-8 bytes), and every
 * PAGE_ROWS rows the page is encoded and compressed. So a row group is held as compressed pages,
 * never as a million JS values: the garbage collector no longer copies the buffered data from
 * one space to the next, which cost more than the encoding itself.
 */
import type { Encoding, SchemaElement } from 'hyparquet';
import type { PageEncodingStats } from 'hyparquet/src/types.js';
import { ByteWriter } from 'hyparquet-writer';
import { writePlain } from 'hyparquet-writer/src/plain.js';
import { unconvert } from 'hyparquet-writer/src/unconvert.js';
import { FloeError } from '../../errors.js';
import type { NestedField, PrimitiveType, Value } from '../spec/types.js';
import {
  ByteArrayBuffer,
  LITTLE_ENDIAN,
  bitWidthOf,
  dataPageV2,
  dictionaryPage,
  encodeBooleans,
  encodeDefinitionLevels,
  encodeDictionaryIndexes,
  type Compress,
  type EncodedPage,
} from './page-encoding.js';
import { decimalRequiredBytes, primitiveElement } from './parquet-schema.js';
import { keepShape } from '../../keep-shape.js';

/** Rows per data page at most (parquet-java's page row count limit). */
export const PAGE_ROWS = 20_000;
/** Bytes of PLAIN values per data page at most (parquet-java's page size). */
const PAGE_BYTES = 1024 * 1024;
/** Past this many dictionary bytes a column chunk continues in PLAIN (parquet-java's limit). */
const DICTIONARY_MAX_BYTES = 1024 * 1024;
/** Non-null values seen before deciding whether a string column's dictionary pays. */
const DICTIONARY_TRIAL_VALUES = 4096;
/**
 * Rows the page buffers hold at first; they double up to PAGE_ROWS as rows come. Many open files
 * (one per partition) with few rows each must not each pin full-size page buffers.
 */
const FIRST_PAGE_CAPACITY = 1024;
/** Slots of a string column's lookup cache (the fingerprint's top 10 bits). */
const CACHE_SLOTS = 1024;

/** How the append loop treats a column's values. */
type Kind = 'boolean' | 'int32' | 'float' | 'int64' | 'string' | 'uuid' | 'bytes';

/** Where a page's non-null values are kept until the page is encoded. */
type Storage = 'bool' | 'i32' | 'f32' | 'f64' | 'i64' | 'str' | 'generic';

function storageOf(type: PrimitiveType): Storage {
  switch (type.kind) {
    case 'boolean':
      return 'bool';
    case 'int':
    case 'date':
      return 'i32';
    case 'float':
      return 'f32';
    case 'double':
      return 'f64';
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return 'i64';
    case 'string':
      return 'str';
    // Rare in bulk loads: kept as JS values per page and encoded by hyparquet-writer.
    case 'decimal':
    case 'uuid':
    case 'fixed':
    case 'binary':
      return 'generic';
  }
}

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

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? Object.prototype.toString.call(v) : String(v);
}

/** One column chunk of a finished row group: its encoded pages and Parquet chunk statistics. */
export interface RowGroupColumn {
  /** The dictionary page, written before the data pages. */
  dictionary: EncodedPage | undefined;
  pages: EncodedPage[];
  encodings: Encoding[];
  encodingStats: PageEncodingStats[];
  /** Rows (values and nulls) of the chunk. */
  numValues: number;
  min: Value | undefined;
  max: Value | undefined;
  nulls: number;
  nans: number;
}

/**
 * The non-null strings of the segment being appended (appendPlainString): shared, since appends
 * run one at a time; it keeps the last segment's strings alive until the next one.
 */
const segmentStrings: string[] = [];

/** String dictionary states: building it on a trial page, using it, or PLAIN for the chunk's rest. */
const TRIAL = 0;
const DICTIONARY = 1;
const PLAIN = 2;

export class ColumnBuffer {
  readonly field: NestedField;
  readonly type: PrimitiveType;
  private readonly kind: Kind;
  private readonly storage: Storage;
  private readonly width: number;
  private readonly element: SchemaElement;
  private readonly compress: Compress | undefined;
  /** Estimated plain-encoded bytes of the row group being assembled. */
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
  private rgRows = 0;

  // The page being assembled: definition levels per row (optional columns), non-null values.
  private defs: Uint8Array | null;
  private pageRows = 0;
  private pageVals = 0;
  private pageNulls = 0;
  private bool: Uint8Array | null = null;
  private i32: Int32Array | null = null;
  private f32: Float32Array | null = null;
  private f64: Float64Array | null = null;
  private i64: BigInt64Array | null = null;
  private generic: Value[] = [];
  // Strings: dictionary indexes of the page, or its PLAIN bytes once the dictionary is dropped.
  private idx: Int32Array | null = null;
  private readonly plain: ByteArrayBuffer | null = null;
  private mode = TRIAL;
  private dict = new Map<string, number>();
  /** Dictionary values (flat copies: the input's strings may be slices of a large chunk). */
  private dictValues: string[] = [];
  private readonly dictBytes: ByteArrayBuffer | null = null;
  /** Recently looked-up dictionary values by fingerprint (see appendDictString). */
  private cacheKeys: (string | undefined)[] = [];
  private readonly cacheIds = new Int32Array(CACHE_SLOTS);
  /** Estimated PLAIN bytes of the values of the trial page. */
  private trialBytes = 0;

  // Encoded pages of the row group's chunk.
  private pages: EncodedPage[] = [];
  private dictionaryPages = 0;
  private plainPages = 0;

  constructor(field: NestedField, compress?: Compress) {
    keepShape(this);
    this.field = field;
    this.type = field.type as PrimitiveType;
    this.kind = kindOf(this.type);
    this.storage = storageOf(this.type);
    this.width = fixedWidthOf(this.type);
    this.element = primitiveElement(field);
    this.compress = compress;
    this.defs = field.required ? null : new Uint8Array(FIRST_PAGE_CAPACITY);
    switch (this.storage) {
      case 'bool':
        this.bool = new Uint8Array(FIRST_PAGE_CAPACITY);
        break;
      case 'i32':
        this.i32 = new Int32Array(FIRST_PAGE_CAPACITY);
        break;
      case 'f32':
        this.f32 = new Float32Array(FIRST_PAGE_CAPACITY);
        break;
      case 'f64':
        this.f64 = new Float64Array(FIRST_PAGE_CAPACITY);
        break;
      case 'i64':
        this.i64 = new BigInt64Array(FIRST_PAGE_CAPACITY);
        break;
      case 'str':
        this.idx = new Int32Array(FIRST_PAGE_CAPACITY);
        this.plain = new ByteArrayBuffer(1024);
        this.dictBytes = new ByteArrayBuffer(1024);
        this.cacheKeys = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
        break;
      case 'generic':
        break;
    }
  }

  /** Encodes the last page, hands over the row group's chunk and starts the next row group. */
  takeRowGroup(): RowGroupColumn {
    if (this.pageRows > 0) this.cutPage();
    let dictionary: EncodedPage | undefined;
    if (this.dictionaryPages > 0) {
      dictionary = dictionaryPage(this.dictValues.length, this.dictBytes!.view(), this.compress);
    }
    const encodings: Encoding[] = [];
    const encodingStats: PageEncodingStats[] = [];
    if (dictionary) {
      encodings.push('PLAIN', 'RLE_DICTIONARY');
      encodingStats.push({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
      encodingStats.push({
        page_type: 'DATA_PAGE_V2',
        encoding: 'RLE_DICTIONARY',
        count: this.dictionaryPages,
      });
    } else encodings.push('PLAIN');
    if (this.plainPages > 0) {
      encodingStats.push({ page_type: 'DATA_PAGE_V2', encoding: 'PLAIN', count: this.plainPages });
    }
    const group: RowGroupColumn = {
      dictionary,
      pages: this.pages,
      encodings,
      encodingStats,
      numValues: this.rgRows,
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
    this.resetRowGroup();
    return group;
  }

  /** Drops the row group being assembled (the file is being discarded). */
  discard(): void {
    this.resetRowGroup();
  }

  private resetRowGroup(): void {
    this.pages = [];
    this.dictionaryPages = this.plainPages = 0;
    this.pageRows = this.pageVals = this.pageNulls = 0;
    this.generic = [];
    this.plain?.reset();
    this.dictBytes?.reset();
    this.dict = new Map();
    this.dictValues = [];
    this.cacheKeys = this.storage === 'str' ? new Array<string | undefined>(CACHE_SLOTS).fill(undefined) : [];
    this.mode = TRIAL;
    this.trialBytes = 0;
    this.bytes = 0;
    this.rgMin = this.rgMax = undefined;
    this.rgNulls = this.rgNans = this.rgRows = 0;
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
    if (src === undefined && this.field.required) this.fail(null);
    while (start < end) {
      // Segments end where the page does, so the loops below never check for a full page.
      const e = Math.min(end, start + (PAGE_ROWS - this.pageRows));
      if (this.pageRows + (e - start) > this.capacity) this.grow(this.pageRows + (e - start));
      const before = this.pageVals;
      let nulls: number;
      if (src === undefined) nulls = this.appendNulls(e - start);
      else {
        switch (this.kind) {
          case 'boolean':
            nulls = this.appendBoolean(src, rows, start, e);
            break;
          case 'int32':
            nulls = this.appendInt32(src, rows, start, e);
            break;
          case 'float':
            nulls = this.appendFloat(src, rows, start, e);
            break;
          case 'int64':
            nulls = this.appendInt64(src, rows, start, e);
            break;
          case 'string':
            nulls =
              this.mode === PLAIN
                ? this.appendPlainString(src, rows, start, e)
                : this.appendDictString(src, rows, start, e);
            break;
          case 'uuid':
            nulls = this.appendUuid(src, rows, start, e);
            break;
          case 'bytes':
            nulls = this.appendBytes(src, rows, start, e);
            break;
        }
      }
      const n = e - start;
      this.pageRows += n;
      this.pageNulls += nulls;
      this.rgRows += n;
      this.valueCount += n;
      this.nullCount += nulls;
      this.rgNulls += nulls;
      if (this.width > 0) this.bytes += (this.pageVals - before) * this.width;
      start = e;
      if (this.mode === TRIAL && this.storage === 'str' && this.pageVals >= DICTIONARY_TRIAL_VALUES) {
        this.decideDictionary();
      }
      if (this.pageRows >= PAGE_ROWS || this.pageFull()) this.cutPage();
      else if (this.mode === DICTIONARY && this.dictBytes!.length > DICTIONARY_MAX_BYTES) {
        // Too many distinct values: the dictionary's pages end here, the chunk goes on in PLAIN.
        this.cutPage();
        this.mode = PLAIN;
      }
    }
  }

  /** Page buffers of `capacity` rows. */
  private capacity = FIRST_PAGE_CAPACITY;

  private grow(rows: number): void {
    let capacity = this.capacity;
    while (capacity < rows) capacity *= 2;
    capacity = Math.min(capacity, PAGE_ROWS);
    const n = this.pageRows; // values never outnumber rows
    const copy = <T extends Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array>(
      a: T | null,
      make: (size: number) => T,
    ): T | null => {
      if (a === null) return null;
      const next = make(capacity);
      next.set(a.subarray(0, n) as never);
      return next;
    };
    this.defs = copy(this.defs, (k) => new Uint8Array(k));
    this.bool = copy(this.bool, (k) => new Uint8Array(k));
    this.i32 = copy(this.i32, (k) => new Int32Array(k));
    this.f32 = copy(this.f32, (k) => new Float32Array(k));
    this.f64 = copy(this.f64, (k) => new Float64Array(k));
    this.i64 = copy(this.i64, (k) => new BigInt64Array(k));
    this.idx = copy(this.idx, (k) => new Int32Array(k));
    this.capacity = capacity;
  }

  private pageFull(): boolean {
    switch (this.storage) {
      case 'str':
        return (
          this.plain!.length >= PAGE_BYTES ||
          (this.mode === TRIAL && this.dictBytes!.length > DICTIONARY_MAX_BYTES)
        );
      case 'generic':
        return this.pageVals * Math.max(this.width, 16) >= PAGE_BYTES;
      default:
        return false;
    }
  }

  private fail(v: unknown): never {
    const what = `column "${this.field.name}" (${this.type.kind})`;
    if (v === null || v === undefined)
      throw new FloeError('input', `${what} is required but a row has no value`);
    throw new FloeError('input', `${what}: ${describe(v)} is not a valid value of this type`);
  }

  private appendNulls(n: number): number {
    // Definition levels are zero already: cutPage clears the used part.
    return n;
  }

  private appendBoolean(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.bool!;
    const defs = this.defs;
    const required = this.field.required;
    let pr = this.pageRows;
    let pv = this.pageVals;
    let nulls = 0;
    let min = this.rgMin as boolean | undefined;
    let max = this.rgMax as boolean | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (typeof v !== 'boolean') this.fail(v);
      if (defs !== null) defs[pr] = 1;
      out[pv++] = v ? 1 : 0;
      if (min === undefined || (min && !v)) min = v;
      if (max === undefined || (!max && v)) max = v;
    }
    this.pageVals = pv;
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private appendInt32(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.i32!;
    const defs = this.defs;
    const required = this.field.required;
    let pr = this.pageRows;
    let pv = this.pageVals;
    let nulls = 0;
    let min = this.rgMin as number | undefined;
    let max = this.rgMax as number | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      // (v | 0) === v holds exactly for int32 integers (and -0, which is 0 as an int).
      if (typeof v !== 'number' || (v | 0) !== v) this.fail(v);
      if (defs !== null) defs[pr] = 1;
      out[pv++] = v;
      if (min === undefined) min = max = v;
      else if (v < min) min = v;
      else if (v > max!) max = v;
    }
    this.pageVals = pv;
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private appendFloat(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    // float columns round to single precision when stored, as PLAIN FLOAT always did.
    const out = (this.f64 ?? this.f32)!;
    const defs = this.defs;
    const required = this.field.required;
    let pr = this.pageRows;
    let pv = this.pageVals;
    let nulls = 0;
    let nans = 0;
    let min = this.rgMin as number | undefined;
    let max = this.rgMax as number | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (typeof v !== 'number') this.fail(v);
      if (defs !== null) defs[pr] = 1;
      out[pv++] = v;
      if (v !== v) {
        nans++; // NaN is counted but never bounds (spec: bounds exclude NaN)
        continue;
      }
      if (min === undefined) min = max = v;
      // -0 sorts before 0, as in Java's Float.compare that Iceberg bounds follow.
      else if (v < min || (v === 0 && min === 0 && Object.is(v, -0))) min = v;
      else if (v > max! || (v === 0 && max === 0 && Object.is(max, -0))) max = v;
    }
    this.pageVals = pv;
    this.rgMin = min;
    this.rgMax = max;
    this.nanCount += nans;
    this.rgNans += nans;
    return nulls;
  }

  private appendInt64(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const typed = this.i64;
    const generic = this.generic;
    const defs = this.defs;
    const required = this.field.required;
    // Out-of-range values would be written wrapped or truncated, so they are rejected here.
    const [lo, hi] = this.int64Range();
    let pr = this.pageRows;
    let pv = this.pageVals;
    let nulls = 0;
    let min = this.rgMin as bigint | undefined;
    let max = this.rgMax as bigint | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      // asIntN is one truncation where two BigInt comparisons are two builtin calls (~45
      // instructions each); decimals have their own range.
      if (typeof v !== 'bigint' || (typed !== null ? BigInt.asIntN(64, v) !== v : v < lo || v > hi)) {
        this.fail(v);
      }
      if (defs !== null) defs[pr] = 1;
      if (typed !== null) typed[pv] = v;
      else generic.push(v); // decimals
      pv++;
      // Largest first: ids and event times mostly grow, so one comparison usually settles it.
      if (min === undefined) min = max = v;
      else if (v > max!) max = v;
      else if (v < min) min = v;
    }
    this.pageVals = pv;
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

  /**
   * Strings into the dictionary: a Map lookup per value; min/max (in UTF-8 order) are only
   * compared for values new to the dictionary.
   */
  private appendDictString(
    src: readonly Value[],
    rows: Int32Array | null,
    start: number,
    end: number,
  ): number {
    const out = this.idx!;
    const defs = this.defs;
    const dict = this.dict;
    const cacheKeys = this.cacheKeys;
    const cacheIds = this.cacheIds;
    const required = this.field.required;
    let pr = this.pageRows;
    let pv = this.pageVals;
    let nulls = 0;
    let bytes = 0;
    let min = this.rgMin as string | undefined;
    let max = this.rgMax as string | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (typeof v !== 'string') this.fail(v);
      if (defs !== null) defs[pr] = 1;
      const len = v.length;
      bytes += len + 4;
      // A direct-mapped cache in front of the Map, keyed by a fingerprint of a few characters:
      // for a repeated value it costs one string comparison where Map.get must hash the whole
      // (new, unhashed) string first. A fingerprint collision only means a Map lookup.
      const slot =
        len === 0
          ? 0
          : Math.imul(
              len ^ (v.charCodeAt(0) << 8) ^ (v.charCodeAt(len - 1) << 16) ^ (v.charCodeAt(len >> 1) << 4),
              0x9e3779b1,
            ) >>> 22;
      let id: number | undefined;
      if (cacheKeys[slot] === v) id = cacheIds[slot]!;
      else {
        id = dict.get(v);
        if (id === undefined) {
          id = this.addToDictionary(v);
          if (min === undefined) min = max = v;
          else if (compareUtf8(v, min) < 0) min = v;
          else if (compareUtf8(v, max!) > 0) max = v;
        }
        cacheKeys[slot] = this.dictValues[id]!;
        cacheIds[slot] = id;
      }
      out[pv++] = id;
    }
    this.pageVals = pv;
    this.rgMin = min;
    this.rgMax = max;
    this.bytes += bytes;
    if (this.mode === TRIAL) this.trialBytes += bytes;
    return nulls;
  }

  private addToDictionary(v: string): number {
    const id = this.dictValues.length;
    const at = this.dictBytes!.length;
    this.dictBytes!.appendString(v);
    // The key is a flat copy made from the bytes (unless encoding changed it: lone surrogates).
    const flat = v.length > 12 ? this.dictBytes!.stringAt(at) : v;
    const key = flat === v ? flat : v;
    this.dict.set(key, id);
    this.dictValues.push(key);
    return id;
  }

  /**
   * Strings in PLAIN: the segment's values are collected, then encoded in one go when they are
   * all ASCII (see ByteArrayBuffer.appendAscii), one by one otherwise.
   */
  private appendPlainString(
    src: readonly Value[],
    rows: Int32Array | null,
    start: number,
    end: number,
  ): number {
    const strings = segmentStrings;
    const defs = this.defs;
    const required = this.field.required;
    let pr = this.pageRows;
    let m = 0;
    let nulls = 0;
    let bytes = 0;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (typeof v !== 'string') this.fail(v);
      if (defs !== null) defs[pr] = 1;
      strings[m++] = v;
      bytes += v.length + 4;
    }
    const out = this.plain!;
    let min = this.rgMin as string | undefined;
    let max = this.rgMax as string | undefined;
    if (out.appendAscii(strings, m)) {
      // Native string order (UTF-16 units) equals UTF-8 order when one side is ASCII.
      for (let k = 0; k < m; k++) {
        const v = strings[k]!;
        if (min === undefined) min = max = v;
        else if (v < min) min = v;
        else if (v > max!) max = v;
      }
    } else {
      for (let k = 0; k < m; k++) {
        const v = strings[k]!;
        out.appendString(v);
        if (min === undefined) min = max = v;
        else if (compareUtf8(v, min) < 0) min = v;
        else if (compareUtf8(v, max!) > 0) max = v;
      }
    }
    this.pageVals += m;
    this.rgMin = min;
    this.rgMax = max;
    this.bytes += bytes;
    return nulls;
  }

  /**
   * Ends the dictionary trial of a chunk's first page. The dictionary stays when it and its
   * indexes take at most half the PLAIN bytes (as hyparquet-writer decides); otherwise the page
   * is re-encoded PLAIN and so is the rest of the chunk.
   */
  private decideDictionary(): void {
    const n = this.pageVals;
    const indexBytes = Math.ceil((n * bitWidthOf(this.dictValues.length - 1)) / 8);
    if (
      n > 0 &&
      this.dictBytes!.length <= DICTIONARY_MAX_BYTES &&
      2 * (this.dictBytes!.length + indexBytes) <= this.trialBytes
    ) {
      this.mode = DICTIONARY;
      return;
    }
    const plain = this.plain!;
    const idx = this.idx!;
    const values = this.dictValues;
    for (let i = 0; i < n; i++) plain.appendString(values[idx[i]!]!);
    this.mode = PLAIN;
    this.dict = new Map();
    this.dictValues = [];
    this.cacheKeys.fill(undefined);
    this.dictBytes!.reset();
  }

  /** UUIDs in canonical lower-case hex order like their bytes. */
  private appendUuid(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.generic;
    const defs = this.defs;
    const required = this.field.required;
    let pr = this.pageRows;
    let nulls = 0;
    let min = this.rgMin as string | undefined;
    let max = this.rgMax as string | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (typeof v !== 'string') this.fail(v);
      if (defs !== null) defs[pr] = 1;
      out.push(v);
      if (min === undefined) min = max = v;
      else if (v < min) min = v;
      else if (v > max!) max = v;
    }
    this.pageVals = out.length;
    this.rgMin = min;
    this.rgMax = max;
    return nulls;
  }

  private appendBytes(src: readonly Value[], rows: Int32Array | null, start: number, end: number): number {
    const out = this.generic;
    const defs = this.defs;
    const required = this.field.required;
    const fixed = this.type.kind === 'fixed' ? this.type.length : -1;
    let pr = this.pageRows;
    let nulls = 0;
    let bytes = 0;
    let min = this.rgMin as Uint8Array | undefined;
    let max = this.rgMax as Uint8Array | undefined;
    for (let k = start; k < end; k++, pr++) {
      const v = src[rows === null ? k : rows[k]!];
      if (v === null || v === undefined) {
        if (required) this.fail(v);
        nulls++;
        continue;
      }
      if (!(v instanceof Uint8Array) || (fixed >= 0 && v.length !== fixed)) this.fail(v);
      if (defs !== null) defs[pr] = 1;
      out.push(v);
      bytes += v.length + 4;
      if (min === undefined) min = max = v;
      else if (compareBytes(v, min) < 0) min = v;
      else if (compareBytes(v, max!) > 0) max = v;
    }
    this.pageVals = out.length;
    this.rgMin = min;
    this.rgMax = max;
    if (fixed < 0) this.bytes += bytes;
    return nulls;
  }

  /** Encodes and compresses the page being assembled and starts the next one. */
  private cutPage(): void {
    const rows = this.pageRows;
    const n = this.pageVals;
    if (this.mode === TRIAL && this.storage === 'str') this.decideDictionary();
    const defs = this.defs;
    const levels = defs === null ? undefined : encodeDefinitionLevels(defs.subarray(0, rows), this.pageNulls);
    let encoding: Encoding = 'PLAIN';
    let values: Uint8Array;
    switch (this.storage) {
      case 'bool':
        values = encodeBooleans(this.bool!.subarray(0, n));
        break;
      case 'i32':
        values = plainBytes(this.i32!, n, 4);
        break;
      case 'f32':
        values = plainBytes(this.f32!, n, 4);
        break;
      case 'f64':
        values = plainBytes(this.f64!, n, 8);
        break;
      case 'i64':
        values = plainBytes(this.i64!, n, 8);
        break;
      case 'str':
        if (this.mode === DICTIONARY) {
          encoding = 'RLE_DICTIONARY';
          values = encodeDictionaryIndexes(this.idx!.subarray(0, n));
        } else values = this.plain!.view();
        break;
      case 'generic': {
        const w = new ByteWriter(Math.max(1024, n * Math.max(this.width, 8)));
        writePlain(w, unconvert(this.element, this.generic), this.element.type!, this.element.type_length);
        values = w.getBytes();
        break;
      }
    }
    this.pages.push(
      dataPageV2({ rows, nulls: this.pageNulls, encoding, levels, values, compress: this.compress }),
    );
    if (encoding === 'RLE_DICTIONARY') this.dictionaryPages++;
    else this.plainPages++;
    defs?.fill(0, 0, rows);
    this.pageRows = this.pageVals = this.pageNulls = 0;
    this.plain?.reset();
    if (this.storage === 'generic') this.generic = [];
  }
}

/** PLAIN bytes of the first `n` values of a typed array (little-endian, as Parquet wants). */
function plainBytes(
  array: Int32Array | Float32Array | Float64Array | BigInt64Array,
  n: number,
  size: number,
): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(array.buffer, array.byteOffset, n * size);
  const out = new Uint8Array(n * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    if (array instanceof BigInt64Array) view.setBigInt64(i * 8, array[i]!, true);
    else if (array instanceof Float64Array) view.setFloat64(i * 8, array[i]!, true);
    else if (array instanceof Float32Array) view.setFloat32(i * 4, array[i]!, true);
    else view.setInt32(i * 4, array[i]!, true);
  }
  return out;
}
