/**
 * A record as a reader produced it, before conversion: its 1-based line number in the input
 * (CSV: the line the record starts on; JSON array: the line its element starts on), its raw text
 * (for the rejected-rows file), and either CSV fields with the header they belong to, or the JSON
 * text (parsed later, so an invalid line becomes a rejected row rather than a failed load).
 */
export interface CsvRecord {
  readonly kind: 'csv';
  readonly line: number;
  readonly raw: string;
  /** The same array object for every record of one input: plans are cached by identity. */
  readonly header: readonly string[];
  readonly cells: readonly string[];
}

export interface JsonRecord {
  readonly kind: 'json';
  readonly line: number;
  readonly raw: string;
}

export type SourceRecord = CsvRecord | JsonRecord;

/** Inputs larger than this in one record are refused: a missing newline must not eat all memory. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
