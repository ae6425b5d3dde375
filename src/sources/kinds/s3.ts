/** @module The `s3` source kind's settings: objects under a prefix of an S3-compatible bucket (AWS S3, MinIO, R2). */
import { z } from 'zod'

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)')

/** What happens to a fetched object: moved under `processed/` or `failed/` prefixes, or left (its job record remembers it). */
export const ArchiveSchema = z
  .object({
    mode: z.enum(['move', 'leave']).default('move'),
    processed: z.string().default('processed/'),
    failed: z.string().default('failed/'),
  })
  .strict()

export const S3Schema = z
  .object({
    kind: z.literal('s3'),
    bucket: z.string().min(1),
    prefix: z.string().default(''),
    /** A glob on the key's part after the prefix, e.g. `*.csv`. */
    glob: z.string().default('*'),
    endpoint: z.url().optional(),
    region: z.string().default('us-east-1'),
    force_path_style: z.boolean().default(false),
    /** Absent: the AWS default credentials chain. */
    access_key_id_env: envName.optional(),
    secret_access_key_env: envName.optional(),
    /** An object newer than this many seconds may still be uploading: it waits for the next run. */
    min_age_s: z.number().int().min(0).default(0),
    archive: ArchiveSchema.default({ mode: 'move', processed: 'processed/', failed: 'failed/' }),
    /**
     * Accept bucket notifications at POST /sources/v1/{name}/s3-events (MinIO's webhook target,
     * or any sender of the S3 `Records` format) with `Authorization: Bearer <the token in token_env>`.
     */
    events: z.object({ token_env: envName }).strict().optional(),
  })
  .strict()

export type S3Source = z.infer<typeof S3Schema>
export type ArchiveRule = z.infer<typeof ArchiveSchema>
