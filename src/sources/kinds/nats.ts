/** @module The `nats` source kind's settings: a JetStream stream read by a durable pull consumer with explicit ack. */
import { z } from 'zod'
import { envName, queueCommon } from '../queue/schema.ts'

const server = z.string().regex(/^((nats|tls|wss?):\/\/)?[^\s/]+(:\d+)?$/, 'host:port or nats://host:port')

export const NatsSchema = z
  .object({
    kind: z.literal('nats'),
    servers: z.union([server, z.array(server).min(1)]).default('nats://127.0.0.1:4222'),
    /** The stream belongs to the producer; txgate does not create it. */
    stream: z.string().regex(/^[^\s.*>]+$/, 'a JetStream stream name (no spaces, ".", "*" or ">")'),
    /** The durable consumer txgate creates or updates on the stream (default: txgate-<source name>). */
    durable: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    filter_subject: z.string().min(1).optional(),
    /** Unacked messages in flight at most (the consumer's max_ack_pending): a limit, not a hint. */
    batch: z.number().int().min(1).max(10_000).default(100),
    /** Message bytes in flight at most (one larger message still passes alone). */
    max_bytes: z.number().int().positive().optional(),
    /** Not acked within this time: the broker redelivers it. */
    ack_wait_s: z.number().int().min(1).max(3600).default(30),
    /** Deliveries after which the broker gives up on a message; absent = never (txgate DLQs what it cannot process). */
    max_deliver: z.number().int().min(1).optional(),
    user: z.string().min(1).optional(),
    password_env: envName.optional(),
    token_env: envName.optional(),
  })
  .extend(queueCommon)
  .strict()

export type NatsSourceSettings = z.infer<typeof NatsSchema>
