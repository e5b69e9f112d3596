/** Human formatting for CLI output. */
import type { Schema } from '../iceberg/spec/schema.js';
import type { PartitionSpec } from '../iceberg/spec/model.js';
import { typeToString } from '../iceberg/spec/types.js';

export function formatCount(n: number | bigint): string {
  return BigInt(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${x.toFixed(1)} ${units[i]}`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A schema as aligned lines: id, name, type, required/optional. */
export function schemaLines(schema: Schema, indent = '  '): string[] {
  const rows = schema.fields.map((f) => [
    String(f.id),
    f.name,
    typeToString(f.type),
    f.required ? 'required' : 'optional',
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return rows.map(
    (r) => indent + r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell)).join('  '),
  );
}

export function specLines(spec: PartitionSpec, schema: Schema, indent = '  '): string[] {
  if (spec.fields.length === 0) return [`${indent}(unpartitioned)`];
  return spec.fields.map((f) => {
    const source = schema.field(f.sourceId)?.name ?? `#${f.sourceId}`;
    return `${indent}${f.fieldId}  ${f.name} = ${f.transform}(${source})`;
  });
}

/** JSON with bigints written as strings (ids beyond 2^53 must not round in a consumer). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    },
    2,
  );
}
