#!/usr/bin/env node
/**
 * Converts a CSV made by scripts/make-nyc311-sample.mjs into NDJSON typed by an Iceberg JSON schema,
 * so the CSV and NDJSON benchmark inputs hold exactly the same rows and there is only one row
 * generator in the repository.
 *
 *   node bench/csv-to-ndjson.mjs <in.csv> <out.ndjson> <schema.json>
 *
 * Typing: long/int/double/float are written as bare JSON numbers, copying the CSV digits (no
 * Number round trip, so nothing is rounded); timestamps and strings as JSON strings; an empty
 * cell as null. Keys follow the schema's field order.
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';

const [input, output, schemaPath] = process.argv.slice(2);
if (!input || !output || !schemaPath) {
  process.stderr.write('usage: node bench/csv-to-ndjson.mjs <in.csv> <out.ndjson> <schema.json>\n');
  process.exit(2);
}

const NUMERIC = new Set(['int', 'long', 'float', 'double']);
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
const typeByName = new Map(
  schema.fields.map((f) => [f.name, typeof f.type === 'string' ? f.type : 'nested']),
);

const parser = createReadStream(input).pipe(parse({ bom: true }));
const out = createWriteStream(output);
let columns; // [{ index, key, numeric }] in schema order
let rows = 0;
for await (const cells of parser) {
  if (!columns) {
    const missing = schema.fields.filter((f) => !cells.includes(f.name)).map((f) => f.name);
    if (missing.length) throw new Error(`CSV header lacks schema columns: ${missing.join(', ')}`);
    columns = schema.fields.map((f) => ({
      index: cells.indexOf(f.name),
      key: JSON.stringify(f.name),
      numeric: NUMERIC.has(typeByName.get(f.name)),
    }));
    continue;
  }
  let line = '{';
  for (let c = 0; c < columns.length; c++) {
    const { index, key, numeric } = columns[c];
    const cell = cells[index];
    let value;
    if (cell === undefined || cell === '') value = 'null';
    else if (numeric) {
      if (!JSON_NUMBER.test(cell))
        throw new Error(`row ${rows + 1}: ${key} is not a number: ${JSON.stringify(cell)}`);
      value = cell;
    } else value = JSON.stringify(cell);
    line += (c ? ',' : '') + key + ':' + value;
  }
  rows++;
  if (!out.write(line + '}\n')) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
process.stderr.write(`wrote ${output} (${rows} rows)\n`);
