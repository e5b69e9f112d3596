/**
 * The JSON shape of cleaning and validation rules (zod-validated), e.g. examples/nyc311.rules.json:
 *
 * ```json
 * {
 *   "clean": { "trim": true, "emptyAsNull": true },
 *   "fields": {
 *     "borough":  { "case": "upper", "enum": ["MANHATTAN", "BROOKLYN"], "ignoreCase": true },
 *     "latitude": { "min": 40, "max": 41.2 },
 *     "incident_zip": { "regex": "^\\d{5}$" }
 *   },
 *   "checks": ["closed_date >= created_date"]
 * }
 * ```
 *
 * Literals (`min`, `max`, `enum` members) are written as JSON numbers or as text in the same
 * forms the decoder accepts for the column's type (ISO-8601 for timestamps, `YYYY-MM-DD` for dates,
 * decimal text for decimals) and are converted to the column's type when the rules are compiled.
 */
import { z } from 'zod';
import { FloeError } from '../../errors.js';

const literal = z.union([z.number(), z.string()]);

export const CASES = ['upper', 'lower'] as const;
export const COMPARISON_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export const FieldRulesSchema = z.strictObject({
  // Cleaning (applied before any check, in this order: trim, emptyAsNull, case).
  /** Trim leading/trailing white space (string columns). Overrides `clean.trim` for this field. */
  trim: z.boolean().optional(),
  /**
   * After trimming, an empty string becomes null. Overrides `clean.emptyAsNull`. In a column the
   * schema requires, that null rejects the row (rule `<field>:required`).
   */
  emptyAsNull: z.boolean().optional(),
  /** Case-normalise a categorical string column. */
  case: z.enum(CASES).optional(),
  // Checks.
  /** Null is a violation (for columns the schema declares optional; required ones never decode as null). */
  required: z.boolean().optional(),
  /** Inclusive lower bound (numeric, decimal, date, time, timestamp columns). */
  min: literal.optional(),
  /** Inclusive upper bound. */
  max: literal.optional(),
  /** Whitelist of allowed values. */
  enum: z.array(literal).min(1).optional(),
  /** With `enum` on a string column: compare ignoring case. */
  ignoreCase: z.boolean().optional(),
  /** The whole value must match (JS RegExp syntax; anchor it with ^…$ to match the whole value). */
  regex: z.string().optional(),
  /** RegExp flags, e.g. "i" or "u" ("g" and "y" are refused: they make matching stateful). */
  regexFlags: z
    .string()
    .regex(/^[imsu]*$/, 'only the flags i, m, s, u are allowed')
    .optional(),
  /** String length bounds in code points, inclusive. */
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().nonnegative().optional(),
});
export type FieldRules = z.infer<typeof FieldRulesSchema>;

const CHECK_RE = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*([A-Za-z_][\w.]*)\s*$/;

/** A cross-field comparison `left op right`: written as "closed_date >= created_date" or as an object. */
const CheckObjectSchema = z.strictObject({
  left: z.string().min(1),
  op: z.enum(COMPARISON_OPS),
  right: z.string().min(1),
});

/** A cross-field comparison `left op right`: written as "closed_date >= created_date" or as an object. */
export const CheckSchema = z.union([z.string(), CheckObjectSchema]).transform((check, ctx) => {
  if (typeof check !== 'string') return check;
  const m = CHECK_RE.exec(check);
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message: `"${check}" is not a comparison "<column> <op> <column>" with op one of ${COMPARISON_OPS.join(' ')}`,
    });
    return z.NEVER;
  }
  return { left: m[1] as string, op: m[2] as ComparisonOp, right: m[3] as string };
});
export type Check = z.output<typeof CheckSchema>;

export const RulesConfigSchema = z.strictObject({
  /** Free text for humans; ignored. */
  description: z.string().optional(),
  /** Defaults for every string column; per-field settings override them. */
  clean: z
    .strictObject({
      trim: z.boolean().optional(),
      emptyAsNull: z.boolean().optional(),
    })
    .optional(),
  /** Per-column cleaning and checks, keyed by column name. */
  fields: z.record(z.string(), FieldRulesSchema).optional(),
  /** Cross-field comparisons. A comparison with a null on either side passes (see validator.ts). */
  checks: z.array(CheckSchema).optional(),
});
/** Rules as written in JSON (input of `parseRules`). */
export type RulesConfigInput = z.input<typeof RulesConfigSchema>;
/** Rules after parsing (checks normalised to objects). */
export type RulesConfig = z.output<typeof RulesConfigSchema>;

/**
 * Parses rules from JSON-shaped data. Throws FloeError('config') with every problem on one line,
 * each with its path (e.g. `fields.latitude.min: …`), so a bad file is fixed in one round.
 */
export function parseRules(input: unknown, source = 'rules'): RulesConfig {
  const result = RulesConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new FloeError('config', `${source}: ${formatIssues(result.error.issues)}`);
}

/** Parses rules from JSON text (a rules file). */
export function parseRulesJson(text: string, source = 'rules'): RulesConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FloeError('config', `${source}: not valid JSON: ${(err as Error).message}`);
  }
  return parseRules(data, source);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
