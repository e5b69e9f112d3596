/**
 * Dedupe by a configured key, within a batch and across batches within a bounded window.
 *
 *   const window = DedupeWindow.fromConfig(schema, { key: 'unique_key', maxKeys: 1_000_000 });
 *   const { batch, dropped, token } = window.process(validBatch);   // first occurrence kept
 *   … commit batch to the table …
 *   window.commit(token);            // or window.rollback() before re-reading uncommitted records
 *
 * Guarantee, structure and memory cost: window.ts.
 */
export {
  DedupeWindow,
  DedupeConfigSchema,
  DEFAULT_MAX_KEYS,
  type DedupeConfig,
  type DedupeConfigInput,
  type DedupeOptions,
  type DedupeResult,
  type DedupeStats,
  type ProcessOptions,
} from './window.js';
export { keyFields, keyReader, ownString, type DedupeKey } from './key.js';
export { seedFromTable, type SeedOptions, type SeedReport } from './seed.js';
