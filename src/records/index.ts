/**
 * Record decoding: streaming CSV / JSON-array / NDJSON readers, value conversion to Iceberg
 * types, schema inference, batching into ColumnBatches, and the rejected-rows file.
 */
export type { CsvRecord, JsonRecord, SourceRecord } from './record.js';
export { DEFAULT_MAX_RECORD_BYTES } from './record.js';
export { readCsv, csvLine, CsvReader, type CsvOptions } from './csv.js';
export { CsvScanner, type CsvScanOptions, type CsvScanTarget } from './csv-scan.js';
export {
  readJsonArray,
  readNdjson,
  decodeText,
  NdjsonReader,
  JsonArrayReader,
  type JsonReadOptions,
} from './json.js';
export {
  checkInput,
  formatFromPath,
  formatFromFirstChar,
  inputName,
  openInput,
  RECORD_FORMATS,
  type RecordFormat,
} from './input.js';
export {
  openRecords,
  openDecoder,
  chunkReader,
  RecordDecoder,
  type ChunkReader,
  type OpenRecordsOptions,
  type RecordSource,
} from './source.js';
export { BatchBuilder, type BatchBuilderOptions, type RecordSink } from './builder.js';
export { RecordCollector } from './collector.js';
export {
  decodePayloads,
  type DecodePayloadsOptions,
  type DecodedPayloads,
  type PayloadReject,
} from './payloads.js';
export { textConverter, valueConverter, fastTimestampMicros, type TextConverter } from './fast-convert.js';
export { ConversionError, converterFor, primitiveConverter, showValue, type Converter } from './convert.js';
export { parseDecimal, formatDecimal, type DecimalResult } from './decimal.js';
export {
  parseDate,
  parseTime,
  parseTimestamp,
  parseEpoch,
  formatDate,
  formatTime,
  formatTimestamp,
  daysFromCivil,
  civilFromDays,
  type ParsedTimestamp,
} from './temporal.js';
export { JsonNumber, parseJsonExact, parseJsonRecord, mayLosePrecision } from './json-exact.js';
export { RecordMapper, checkCsvHeader } from './mapper.js';
export { inferSchema, DEFAULT_INFER_SAMPLE } from './infer.js';
export {
  toBatches,
  newBatchStats,
  DEFAULT_BATCH_ROWS,
  type BatchOptions,
  type BatchStats,
  type RejectedRow,
} from './batcher.js';
export { RejectedRowsWriter, rejectPolicy, type RejectPolicyOptions } from './rejected.js';
