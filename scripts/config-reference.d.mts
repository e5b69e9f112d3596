import type { ZodType } from 'zod';

export declare const OUTPUT: string;
/** The whole of docs/configuration.md for a zod schema. */
export declare function renderConfigReference(schema: ZodType): string;
/** Every property path without a `.describe()` text. */
export declare function undocumented(schema: ZodType): string[];
