/** Row filter expressions for scan planning. OWNER: lead. */
import type { Value } from '../spec/types.js';

export type Expression =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and' | 'or'; left: Expression; right: Expression }
  | { op: 'not'; child: Expression }
  | { op: 'is-null' | 'not-null' | 'is-nan' | 'not-nan'; column: string }
  | { op: 'eq' | 'not-eq' | 'lt' | 'lt-eq' | 'gt' | 'gt-eq'; column: string; value: Value }
  | { op: 'in' | 'not-in'; column: string; values: Value[] };
