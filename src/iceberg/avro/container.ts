/**
 * Avro Object Container Files (Avro 1.11 spec, "Object Container Files").
 *
 * We write the header ourselves so that `avro.schema` is byte-for-byte the schema JSON the caller
 * passed, including Iceberg's field-id attributes. Reading accepts the codecs Java, PyIceberg and
 * fastavro write for Iceberg metadata: null, deflate and snappy (with its CRC32 trailer).
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { snappyUncompress } from 'hyparquet';
import { FloeError } from '../../errors.js';
import { AvroReader, AvroWriter } from './binary.js';
import { compileCodec, type AvroCodec } from './codec.js';
import { parseAvroSchema, type AvroSchemaJson } from './schema.js';

/** Codecs we write. Reading also accepts 'snappy'. */
export type AvroCodecName = 'null' | 'deflate';

const MAGIC = Uint8Array.of(0x4f, 0x62, 0x6a, 0x01); // "Obj" 1
const SYNC_SIZE = 16;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

export interface AvroWriteOptions {
  /** Default 'deflate' (what Java and PyIceberg write for Iceberg metadata). */
  codec?: AvroCodecName;
  /** zlib level for deflate, default 6 (zlib's default). */
  deflateLevel?: number;
  /** Extra header metadata (Iceberg: schema, partition-spec, snapshot-id, …). Keys `avro.*` are reserved. */
  metadata?: Readonly<Record<string, string | Uint8Array>>;
  /** Start a new block once this many uncompressed bytes are buffered. Default 64000 (Avro Java's default). */
  syncInterval?: number;
  /** Start a new block after this many records, whatever their size. */
  maxBlockRecords?: number;
  /** The 16-byte sync marker; random by default. Fixed markers make output deterministic in tests. */
  syncMarker?: Uint8Array;
}

/**
 * Writes a complete container file. `schema` is embedded verbatim: a string is taken as the exact
 * JSON text, an object is serialised with JSON.stringify (attribute order as given).
 */
export function writeAvroContainer(
  schema: AvroSchemaJson,
  records: Iterable<unknown>,
  options: AvroWriteOptions = {},
): Uint8Array {
  const schemaText = typeof schema === 'string' && isJsonText(schema) ? schema : JSON.stringify(schema);
  const codec = compileCodec(parseAvroSchema(schemaText));
  const codecName = options.codec ?? 'deflate';
  if (codecName !== 'null' && codecName !== 'deflate') {
    throw new FloeError(
      'unsupported',
      `avro: cannot write codec "${String(codecName)}" (null and deflate are supported)`,
    );
  }
  const sync = options.syncMarker ?? randomBytes(SYNC_SIZE);
  if (sync.length !== SYNC_SIZE) throw new FloeError('internal', 'avro: the sync marker must be 16 bytes');
  const syncInterval = options.syncInterval ?? 64000;
  const maxBlockRecords = options.maxBlockRecords ?? Number.MAX_SAFE_INTEGER;

  const out = new AvroWriter(4096);
  out.writeFixed(MAGIC);
  const meta = new Map<string, Uint8Array>();
  meta.set('avro.schema', utf8.encode(schemaText));
  meta.set('avro.codec', utf8.encode(codecName));
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (k.startsWith('avro.')) throw new FloeError('internal', `avro: metadata key "${k}" is reserved`);
    meta.set(k, typeof v === 'string' ? utf8.encode(v) : v);
  }
  out.writeLong(meta.size);
  for (const [k, v] of meta) {
    out.writeString(k);
    out.writeBytes(v);
  }
  out.writeLong(0);
  out.writeFixed(sync);

  const block = new AvroWriter(Math.min(syncInterval + 1024, 1 << 20));
  let count = 0;
  const flush = (): void => {
    if (count === 0) return;
    const data = compress(codecName, block.bytes(), options.deflateLevel);
    out.writeLong(count);
    out.writeLong(data.length);
    out.writeFixed(data);
    out.writeFixed(sync);
    block.reset();
    count = 0;
  };
  for (const record of records) {
    codec.encode(block, record);
    count++;
    if (block.pos >= syncInterval || count >= maxBlockRecords) flush();
  }
  flush();
  return out.bytes().slice();
}

function isJsonText(s: string): boolean {
  const c = s.trimStart()[0];
  return c === '{' || c === '[' || c === '"';
}

function compress(codec: AvroCodecName, data: Uint8Array, level: number | undefined): Uint8Array {
  switch (codec) {
    case 'null':
      return data.slice();
    case 'deflate':
      return deflateRawSync(data, { level: level ?? 6 });
    default:
      throw new FloeError(
        'unsupported',
        `avro: cannot write codec "${String(codec)}" (null and deflate are supported)`,
      );
  }
}

function decompress(codec: string, data: Uint8Array): Uint8Array {
  switch (codec) {
    case 'null':
      return data;
    case 'deflate':
      try {
        return inflateRawSync(data);
      } catch (err) {
        throw new FloeError('invalid-metadata', `avro: corrupt deflate block (${(err as Error).message})`);
      }
    case 'snappy': {
      if (data.length < 4) throw new FloeError('invalid-metadata', 'avro: snappy block too short');
      const body = data.subarray(0, data.length - 4);
      const r = new AvroReader(body);
      // The snappy preamble is the uncompressed length as an unsigned varint.
      let len = 0;
      let mul = 1;
      for (;;) {
        const b = r.readByte();
        len += (b & 0x7f) * mul;
        if ((b & 0x80) === 0) break;
        mul *= 128;
        if (mul > 2 ** 35) throw new FloeError('invalid-metadata', 'avro: bad snappy length');
      }
      // Snappy's best case is a 3-byte copy op yielding 64 bytes; anything claiming more is corrupt.
      if (len > body.length * 32 + 64) throw new FloeError('invalid-metadata', 'avro: bad snappy length');
      const outBytes = new Uint8Array(len);
      try {
        snappyUncompress(body, outBytes);
      } catch (err) {
        throw new FloeError('invalid-metadata', `avro: corrupt snappy block (${(err as Error).message})`);
      }
      const expected = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, false);
      if (crc32(outBytes) !== expected)
        throw new FloeError('invalid-metadata', 'avro: snappy block CRC mismatch');
      return outBytes;
    }
    default:
      throw new FloeError(
        'unsupported',
        `avro: codec "${codec}" is not supported (null, deflate, snappy are)`,
      );
  }
}

export interface AvroHeader {
  /** The writer schema exactly as stored in `avro.schema`. */
  readonly schemaText: string;
  /** `schemaText` parsed with JSON.parse (attributes such as field-id intact). */
  readonly schema: AvroSchemaJson;
  readonly codec: string;
  /** Every header key (including avro.schema / avro.codec), decoded as UTF-8 text. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every header key with its raw bytes (for binary values). */
  readonly rawMetadata: ReadonlyMap<string, Uint8Array>;
  readonly syncMarker: Uint8Array;
  /** Byte offset of the first data block. */
  readonly dataOffset: number;
}

/** Reads and validates only the header. */
export function readAvroHeader(bytes: Uint8Array): AvroHeader {
  if (bytes.length < MAGIC.length + 1 + SYNC_SIZE || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new FloeError('invalid-metadata', 'avro: not an Avro object container file (bad magic)');
  }
  const r = new AvroReader(bytes, MAGIC.length);
  const raw = new Map<string, Uint8Array>();
  for (let n = r.readBlockCount(); n > 0; n = r.readBlockCount()) {
    for (let i = 0; i < n; i++) {
      const k = r.readString();
      raw.set(k, r.readBytes());
    }
  }
  const syncMarker = r.readFixed(SYNC_SIZE);
  const metadata: Record<string, string> = {};
  for (const [k, v] of raw) metadata[k] = utf8Decoder.decode(v);
  const schemaText = metadata['avro.schema'];
  if (schemaText === undefined) throw new FloeError('invalid-metadata', 'avro: header has no avro.schema');
  let schema: AvroSchemaJson;
  try {
    schema = JSON.parse(schemaText) as AvroSchemaJson;
  } catch (err) {
    throw new FloeError(
      'invalid-metadata',
      `avro: avro.schema is not valid JSON (${(err as Error).message})`,
    );
  }
  return {
    schemaText,
    schema,
    codec: metadata['avro.codec'] ?? 'null',
    metadata,
    rawMetadata: raw,
    syncMarker,
    dataOffset: r.pos,
  };
}

export interface AvroContainer<T = unknown> extends AvroHeader {
  readonly records: T[];
}

/** Iterates the records of a container file, decoded with the writer schema. */
export function* iterateAvroRecords(
  bytes: Uint8Array,
  header = readAvroHeader(bytes),
  codec?: AvroCodec,
): Generator<unknown> {
  const c = codec ?? compileCodec(header.schema);
  const r = new AvroReader(bytes, header.dataOffset);
  while (r.remaining > 0) {
    const count = r.readLength();
    const size = r.readLength();
    if (size > r.remaining)
      throw new FloeError('invalid-metadata', 'avro: block runs past the end of the file');
    const data = decompress(header.codec, bytes.subarray(r.pos, r.pos + size));
    r.pos += size;
    const marker = bytes.subarray(r.pos, r.pos + SYNC_SIZE);
    if (marker.length !== SYNC_SIZE || !marker.every((b, i) => b === header.syncMarker[i])) {
      throw new FloeError('invalid-metadata', `avro: sync marker mismatch at byte ${r.pos}`);
    }
    r.pos += SYNC_SIZE;
    const br = new AvroReader(data);
    for (let i = 0; i < count; i++) yield c.decode(br);
    if (br.remaining !== 0)
      throw new FloeError('invalid-metadata', `avro: ${br.remaining} stray bytes at the end of a block`);
  }
}

/** Reads a whole container file: header, metadata and every record (decoded with the writer schema). */
export function readAvroContainer<T = unknown>(bytes: Uint8Array): AvroContainer<T> {
  const header = readAvroHeader(bytes);
  return { ...header, records: [...iterateAvroRecords(bytes, header)] as T[] };
}
