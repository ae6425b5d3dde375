/** @module The `kafka` source kind's settings: a consumer group on a partner's cluster (its own brokers, SASL, TLS — not txgate's KAFKA_BROKERS). */
import { z } from 'zod'
import { envName, queueCommon } from '../queue/schema.ts'

export const KafkaSchema = z
  .object({
    kind: z.literal('kafka'),
    brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1),
    client_id: z.string().min(1).default('txgate'),
    group_id: z.string().min(1),
    topics: z.array(z.string().min(1)).min(1),
    /** A new group starts at the earliest offset (true) or only sees new messages (false). */
    from_beginning: z.boolean().default(false),
    /** true, or the CA to trust (PEM file) for a private cluster. */
    tls: z
      .union([z.boolean(), z.strictObject({ ca_file: z.string().min(1).optional(), reject_unauthorized: z.boolean().default(true) })])
      .default(false),
    sasl: z
      .strictObject({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username_env: envName, password_env: envName })
      .optional(),
    /** Messages in flight at most, across the assigned partitions. */
    max_in_flight: z.number().int().min(1).default(100),
    /** Bytes per fetch at most, and message bytes in flight at most. */
    max_bytes: z.number().int().positive().default(10 * 1024 * 1024),
    max_bytes_per_partition: z.number().int().positive().default(1024 * 1024),
    session_timeout_ms: z.number().int().min(6000).default(30_000),
  })
  .extend(queueCommon)
  .strict()

export type KafkaSourceSettings = z.infer<typeof KafkaSchema>
