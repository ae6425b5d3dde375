/** @module A provider's batch mapping (file layout, columns, transformations) and its YAML form. */
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

export const BATCH_FORMATS = ['csv', 'ndjson', 'parquet'] as const
export type BatchFormat = (typeof BATCH_FORMATS)[number]

const TIMESTAMP_TRANSFORMS = ['iso8601', 'unix_to_iso8601', 'unix_millis_to_iso8601'] as const
const AMOUNT_TRANSFORMS = ['decimal_to_minor', 'keep_as_integer'] as const

const column = z.string().min(1)

/** `format:` followed by YYYY MM DD HH mm ss SSS tokens and literal separators. */
const timestampTransform = z.union([
  z.enum(TIMESTAMP_TRANSFORMS),
  z.string().regex(/^format:.*(YYYY).*$/, 'a custom format must start with "format:" and contain YYYY'),
])

/**
 * The shape users already write in YAML (snake_case, TransactionMessage field → column), so a
 * provider module's `batch` part and a mapping file are the same data, and plain enough to hand
 * to a worker thread.
 */
export const BatchMappingSchema = z
  .object({
    /** csv | ndjson | parquet; detected from the name and content when absent. Gzip is always detected. */
    format: z.enum(BATCH_FORMATS).optional(),
    /** CSV field separator. @default ',' */
    delimiter: z.string().length(1).optional(),
    /** Whether a CSV file's first line names its columns. @default true */
    header_row: z.boolean().optional(),
    /** Names of a headerless CSV file's columns, in order; otherwise they are "1", "2", ... */
    columns: z.array(column).optional(),
    /** TransactionMessage field → column (CSV header, JSON field or dotted path, Parquet column). */
    column_mapping: z
      .object({
        transaction_id: column,
        timestamp: column,
        amount: column,
        currency: column.optional(),
        status: column.optional(),
        payment_method: column.optional(),
        customer_id: column.optional(),
        event_type: column.optional(),
        tenant_id: column.optional(),
      })
      .strict(),
    transformations: z
      .object({
        /** How the timestamp column reads. @default ISO 8601 / RFC 3339, or Unix seconds when all digits */
        timestamp: timestampTransform.optional(),
        /** decimal_to_minor: "12.34" major units; keep_as_integer: already minor units. @default 'decimal_to_minor' */
        amount: z.enum(AMOUNT_TRANSFORMS).optional(),
      })
      .strict()
      .optional(),
    /** Constant values for fields a file does not carry (e.g. every row is EUR, or is a card payment). */
    defaults: z
      .object({
        currency: z.string().min(1).optional(),
        status: z.string().min(1).optional(),
        payment_method: z.string().min(1).optional(),
        event_type: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const field of ['currency', 'status', 'payment_method'] as const) {
      if (m.column_mapping[field] === undefined && m.defaults?.[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['column_mapping', field],
          message: `${field} needs a column or a value under defaults`,
        })
      }
    }
  })

export type BatchMapping = z.infer<typeof BatchMappingSchema>

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** A mapping file: provider id → mapping (one file may describe several providers). */
export const MappingFileSchema = z.record(
  z.string().regex(PROVIDER_ID, 'a provider id is lower case letters, digits, "-" and "_"'),
  BatchMappingSchema,
)

export class MappingError extends Error {
  override readonly name = 'MappingError'
}

/** Parses and validates a YAML mapping file; throws MappingError with every issue at once. */
export function parseMappingFile(text: string): Record<string, BatchMapping> {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new MappingError(`mapping file is not valid YAML: ${err instanceof Error ? err.message : String(err)}`)
  }
  const parsed = MappingFileSchema.safeParse(doc ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new MappingError(`invalid mapping file: ${issues.join('; ')}`)
  }
  return parsed.data
}

/** Validates a provider module's `batch` part (a typo there should fail at start, not per row). */
export function checkMapping(providerId: string, mapping: unknown): BatchMapping {
  const parsed = BatchMappingSchema.safeParse(mapping)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new MappingError(`batch mapping of "${providerId}" is invalid: ${issues.join('; ')}`)
  }
  return parsed.data
}
