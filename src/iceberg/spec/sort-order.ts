/** Sort orders: JSON serde (spec appendix C) and the unsorted order. */
import { FloeError } from '../../errors.js';
import type { SortField, SortOrder } from './model.js';

/** Order id 0 is reserved for the unsorted order. */
export const UNSORTED_ORDER: SortOrder = { orderId: 0, fields: [] };

export interface SortOrderJson {
  'order-id': number;
  fields: {
    transform: string;
    'source-id': number;
    direction: 'asc' | 'desc';
    'null-order': 'nulls-first' | 'nulls-last';
  }[];
}

export function sortOrderToJson(order: SortOrder): SortOrderJson {
  return {
    'order-id': order.orderId,
    fields: order.fields.map((f) => ({
      transform: f.transform,
      'source-id': f.sourceId,
      direction: f.direction,
      'null-order': f.nullOrder,
    })),
  };
}

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v >= -(2n ** 31n) && v < 2n ** 31n) return Number(v);
  throw new FloeError('invalid-metadata', `sort order: ${what} must be an integer`);
}

export function sortOrderFromJson(json: unknown): SortOrder {
  if (json === null || typeof json !== 'object')
    throw new FloeError('invalid-metadata', 'sort order must be a JSON object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.fields)) throw new FloeError('invalid-metadata', 'sort order needs a "fields" array');
  const fields = o.fields.map((f): SortField => {
    if (f === null || typeof f !== 'object')
      throw new FloeError('invalid-metadata', 'sort field must be an object');
    const fo = f as Record<string, unknown>;
    if (typeof fo.transform !== 'string')
      throw new FloeError('invalid-metadata', 'sort field needs a "transform"');
    const direction = typeof fo.direction === 'string' ? fo.direction.toLowerCase() : '';
    const nullOrder = typeof fo['null-order'] === 'string' ? fo['null-order'].toLowerCase() : '';
    if (direction !== 'asc' && direction !== 'desc') {
      throw new FloeError('invalid-metadata', `sort field direction must be "asc" or "desc"`);
    }
    if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') {
      throw new FloeError('invalid-metadata', `sort field null-order must be "nulls-first" or "nulls-last"`);
    }
    return { transform: fo.transform, sourceId: int(fo['source-id'], 'source-id'), direction, nullOrder };
  });
  return { orderId: int(o['order-id'], 'order-id'), fields };
}
