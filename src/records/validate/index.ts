/**
 * Cleaning and validation of column batches against declarative rules.
 *
 *   const validator = new Validator(schema, parseRulesJson(text, 'examples/nyc311.rules.json'));
 *   const { batch, kept, rejected } = validator.apply(decodedBatch);
 *   // batch: the valid, cleaned rows in order; kept[i]: input index of batch row i;
 *   // rejected: [{ index, reasons: ['latitude 39.2 is below 40', …] }] — map index to the raw payload.
 *
 * Rule shape: config.ts. Semantics (order of cleaning, null handling, reason order): validator.ts.
 */
export {
  RulesConfigSchema,
  FieldRulesSchema,
  CheckSchema,
  COMPARISON_OPS,
  parseRules,
  parseRulesJson,
  formatIssues,
  type RulesConfig,
  type RulesConfigInput,
  type FieldRules,
  type Check,
  type ComparisonOp,
} from './config.js';
export {
  Validator,
  compileRules,
  type CheckResult,
  type RejectedRow,
  type ValidationResult,
} from './validator.js';
export { compactBatch, type Compacted } from './compact.js';
export { compareValues, compareCodePoints, showValue } from './values.js';
