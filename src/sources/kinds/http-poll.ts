/** @module The `http-poll` source kind's settings: a REST endpoint paged with a cursor held between runs. */
import { z } from 'zod'

/** An environment variable's NAME (the secret itself never sits in sources.yaml). */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)')

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('bearer'), token_env: envName }).strict(),
  z.object({ type: z.literal('basic'), username_env: envName, password_env: envName }).strict(),
  z.object({ type: z.literal('api_key'), header: z.string().min(1), value_env: envName }).strict(),
  z
    .object({
      type: z.literal('oauth2'),
      token_url: z.url(),
      client_id_env: envName,
      client_secret_env: envName,
      scope: z.string().optional(),
    })
    .strict(),
])

const cursor = z.discriminatedUnion('type', [
  /** Mahak pattern: `?fromRowVersion=N`; the highest row version of a page is the next cursor. */
  z.object({ type: z.literal('row_version'), param: z.string().min(1), field: z.string().min(1), start: z.string().regex(/^\d+$/).default('0') }).strict(),
  /** `?updated_since=T`; the newest `field` of a page is the next cursor. */
  z.object({ type: z.literal('updated_since'), param: z.string().min(1), field: z.string().min(1), start: z.string().min(1).optional() }).strict(),
  /** An opaque token in the answer (`field`, dotted) sent back as `param`; absent = the last page. */
  z.object({ type: z.literal('next_token'), param: z.string().min(1), field: z.string().min(1) }).strict(),
])

export const HttpPollSchema = z
  .object({
    kind: z.literal('http-poll'),
    url: z.url(),
    /** Where the rows are in the JSON answer (dotted); absent = the answer is the array. */
    items: z.string().min(1).optional(),
    page_size: z.number().int().positive().default(500),
    /** The query parameter that carries the page size; absent = none is sent. */
    page_size_param: z.string().min(1).optional(),
    cursor,
    auth: auth.default({ type: 'none' }),
    headers: z.record(z.string(), z.string()).optional(),
    /** What a row with a truthy `field` (a soft delete) becomes: a message with `status`, or a DLQ record. */
    soft_delete: z
      .object({ field: z.string().min(1).default('deleted'), action: z.enum(['status', 'dlq']).default('status'), status: z.string().min(1).default('voided') })
      .strict()
      .default({ field: 'deleted', action: 'status', status: 'voided' }),
    retry: z
      .object({ attempts: z.number().int().min(1).default(5), base_ms: z.number().int().min(0).default(500), max_ms: z.number().int().min(0).default(30_000) })
      .strict()
      .default({ attempts: 5, base_ms: 500, max_ms: 30_000 }),
    timeout_ms: z.number().int().positive().default(30_000),
  })
  .strict()

export type HttpPollSource = z.infer<typeof HttpPollSchema>
