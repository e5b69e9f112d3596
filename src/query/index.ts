/** `floe query`: SQL over Iceberg tables through DuckDB views (see engine.ts). */
export { runQuery, type QueryOptions, type QueryResult } from './engine.js';
export {
  formatResult,
  formatCsv,
  formatJsonLines,
  formatTable,
  OUTPUT_FORMATS,
  type OutputFormat,
} from './format.js';
export { lexicalRefs, tableRefs, type TableRefs } from './refs.js';
export { duckdbType } from './types.js';
export { viewSelect } from './views.js';
