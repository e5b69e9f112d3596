/**
 * Avro for Iceberg metadata: container files (header written by us so the schema JSON keeps
 * Iceberg's field ids), a small bigint-safe binary codec, and Iceberg <-> Avro conversions.
 */
export { AvroReader, AvroWriter } from './binary.js';
export { compileCodec, decodeAvroValue, encodeAvroValue, type AvroCodec } from './codec.js';
export {
  iterateAvroRecords,
  readAvroContainer,
  readAvroHeader,
  writeAvroContainer,
  type AvroCodecName,
  type AvroContainer,
  type AvroHeader,
  type AvroWriteOptions,
} from './container.js';
export {
  avroName,
  bigintToTwosComplement,
  compileFromAvro,
  compileToAvro,
  decimalRequiredBytes,
  fromAvroValue,
  icebergToAvroSchema,
  toAvroValue,
  twosComplementToBigint,
  type IcebergToAvroOptions,
} from './iceberg.js';
export {
  parseAvroSchema,
  unwrapOptional,
  type AvroFieldJson,
  type AvroNode,
  type AvroPrimitive,
  type AvroSchemaJson,
  type AvroSchemaObject,
} from './schema.js';
