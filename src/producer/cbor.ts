/**
 * The little CBOR (RFC 8949) the producer needs for Kinesis's `application/x-amz-cbor-1.1`
 * protocol (what the Java SDK and the KPL speak): an encoder for PutRecords requests written
 * straight into one buffer of the exact size (data blobs are copied, never base64-encoded), and
 * a general decoder for the small responses (results, errors).
 */
import { FloeError } from '../errors.js';

/** One PutRecords entry as the request carries it. */
export interface CborPutEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
}

const MAJOR_UINT = 0;
const MAJOR_NEGINT = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;

/** Bytes of an item head carrying `n` (a length or a small integer). */
function headSize(n: number): number {
  if (n < 24) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x100000000) return 5;
  return 9;
}

function writeHead(buf: Buffer, pos: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    buf[pos] = m | n;
    return pos + 1;
  }
  if (n < 0x100) {
    buf[pos] = m | 24;
    buf[pos + 1] = n;
    return pos + 2;
  }
  if (n < 0x10000) {
    buf[pos] = m | 25;
    buf.writeUInt16BE(n, pos + 1);
    return pos + 3;
  }
  if (n < 0x100000000) {
    buf[pos] = m | 26;
    buf.writeUInt32BE(n, pos + 1);
    return pos + 5;
  }
  buf[pos] = m | 27;
  buf.writeBigUInt64BE(BigInt(n), pos + 1);
  return pos + 9;
}

const textSize = (byteLength: number): number => headSize(byteLength) + byteLength;

function writeText(buf: Buffer, pos: number, s: string, byteLength: number): number {
  pos = writeHead(buf, pos, MAJOR_TEXT, byteLength);
  return pos + buf.write(s, pos, byteLength, 'utf8');
}

const KEY = {
  StreamName: 'StreamName',
  Records: 'Records',
  Data: 'Data',
  PartitionKey: 'PartitionKey',
  ExplicitHashKey: 'ExplicitHashKey',
} as const;

/**
 * `{"StreamName": stream, "Records": [{"Data": bytes, "PartitionKey": text, "ExplicitHashKey"?: text}]}`
 * as CBOR, in one allocation.
 */
export function encodePutRecords(stream: string, entries: readonly CborPutEntry[]): Buffer {
  const streamBytes = Buffer.byteLength(stream, 'utf8');
  const pkBytes = new Array<number>(entries.length);
  const ehkBytes = new Array<number>(entries.length);
  let size = 1 + textSize(10) + textSize(streamBytes) + textSize(7) + headSize(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as CborPutEntry;
    const pk = Buffer.byteLength(e.partitionKey, 'utf8');
    pkBytes[i] = pk;
    size += 1 + textSize(4) + headSize(e.data.length) + e.data.length + textSize(12) + textSize(pk);
    if (e.explicitHashKey !== undefined) {
      const ehk = Buffer.byteLength(e.explicitHashKey, 'utf8');
      ehkBytes[i] = ehk;
      size += textSize(15) + textSize(ehk);
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = writeHead(buf, 0, MAJOR_MAP, 2);
  pos = writeText(buf, pos, KEY.StreamName, 10);
  pos = writeText(buf, pos, stream, streamBytes);
  pos = writeText(buf, pos, KEY.Records, 7);
  pos = writeHead(buf, pos, MAJOR_ARRAY, entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as CborPutEntry;
    const ehk = e.explicitHashKey;
    pos = writeHead(buf, pos, MAJOR_MAP, ehk === undefined ? 2 : 3);
    pos = writeText(buf, pos, KEY.Data, 4);
    pos = writeHead(buf, pos, MAJOR_BYTES, e.data.length);
    buf.set(e.data, pos);
    pos += e.data.length;
    pos = writeText(buf, pos, KEY.PartitionKey, 12);
    pos = writeText(buf, pos, e.partitionKey, pkBytes[i] as number);
    if (ehk !== undefined) {
      pos = writeText(buf, pos, KEY.ExplicitHashKey, 15);
      pos = writeText(buf, pos, ehk, ehkBytes[i] as number);
    }
  }
  if (pos !== size) throw new Error('CBOR size accounting is off');
  return buf;
}

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | { [key: string]: CborValue };

const BREAK = Symbol('break');
const MAX_DEPTH = 64;

function malformed(why: string): FloeError {
  return new FloeError('io', `malformed CBOR in a Kinesis response: ${why}`);
}

/** Decodes one CBOR item (the whole of `buf`). Maps become plain objects keyed by their text keys. */
export function decodeCbor(buf: Uint8Array): CborValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > buf.length) throw malformed('truncated');
  };
  /** The argument of an item head; -1 for an indefinite length. */
  const argument = (info: number): number | bigint => {
    if (info < 24) return info;
    switch (info) {
      case 24:
        need(1);
        return buf[pos++] as number;
      case 25:
        need(2);
        pos += 2;
        return view.getUint16(pos - 2);
      case 26:
        need(4);
        pos += 4;
        return view.getUint32(pos - 4);
      case 27: {
        need(8);
        pos += 8;
        const v = view.getBigUint64(pos - 8);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 31:
        return -1;
      default:
        throw malformed(`reserved additional information ${info}`);
    }
  };
  const length = (info: number): number => {
    const n = argument(info);
    if (typeof n === 'bigint') throw malformed('length too large');
    return n;
  };
  const chunks = (major: number, info: number): Uint8Array => {
    const n = length(info);
    if (n >= 0) {
      need(n);
      pos += n;
      return buf.subarray(pos - n, pos);
    }
    // Indefinite length: definite chunks of the same major type up to a break.
    const parts: Uint8Array[] = [];
    for (;;) {
      need(1);
      const b = buf[pos++] as number;
      if (b === 0xff) break;
      if (b >> 5 !== major) throw malformed('bad chunk in an indefinite-length string');
      const m = length(b & 31);
      if (m < 0) throw malformed('nested indefinite-length string');
      need(m);
      parts.push(buf.subarray(pos, pos + m));
      pos += m;
    }
    return Buffer.concat(parts);
  };

  const item = (depth: number): CborValue | typeof BREAK => {
    if (depth > MAX_DEPTH) throw malformed('nested too deeply');
    need(1);
    const b = buf[pos++] as number;
    const major = b >> 5;
    const info = b & 31;
    switch (major) {
      case MAJOR_UINT:
        return argument(info);
      case MAJOR_NEGINT: {
        const n = argument(info);
        return typeof n === 'bigint' ? -1n - n : -1 - n;
      }
      case MAJOR_BYTES:
        return Buffer.from(chunks(MAJOR_BYTES, info));
      case MAJOR_TEXT:
        try {
          return utf8.decode(chunks(MAJOR_TEXT, info));
        } catch {
          throw malformed('invalid UTF-8 in a text string');
        }
      case MAJOR_ARRAY: {
        const n = length(info);
        const out: CborValue[] = [];
        for (let i = 0; n < 0 || i < n; i++) {
          const v = item(depth + 1);
          if (v === BREAK) {
            if (n >= 0) throw malformed('unexpected break');
            break;
          }
          out.push(v);
        }
        return out;
      }
      case MAJOR_MAP: {
        const n = length(info);
        const out: { [key: string]: CborValue } = {};
        for (let i = 0; n < 0 || i < n; i++) {
          const k = item(depth + 1);
          if (k === BREAK) {
            if (n >= 0) throw malformed('unexpected break');
            break;
          }
          const v = item(depth + 1);
          if (v === BREAK) throw malformed('a map key without a value');
          out[typeof k === 'string' ? k : String(k)] = v;
        }
        return out;
      }
      case MAJOR_TAG:
        // Tags (e.g. 1: epoch time) only annotate; the value underneath is what we use.
        argument(info);
        return item(depth + 1);
      default: {
        // Major type 7: simple values and floats.
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 24) {
          need(1);
          pos++;
          return undefined;
        }
        if (info === 25) {
          need(2);
          pos += 2;
          return halfFloat(view.getUint16(pos - 2));
        }
        if (info === 26) {
          need(4);
          pos += 4;
          return view.getFloat32(pos - 4);
        }
        if (info === 27) {
          need(8);
          pos += 8;
          return view.getFloat64(pos - 8);
        }
        if (info === 31) return BREAK;
        if (info < 20) return undefined;
        throw malformed(`reserved simple value ${info}`);
      }
    }
  };
  const v = item(0);
  if (v === BREAK) throw malformed('unexpected break');
  if (pos !== buf.length) throw malformed(`${buf.length - pos} bytes after the item`);
  return v;
}

function halfFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
