/** @module The `rabbitmq` source kind's settings: a durable queue bound to an exchange (AMQP 0-9-1), manual ack. */
import { z } from 'zod'
import { envName, queueCommon } from '../queue/schema.ts'

export const RabbitMqSchema = z
  .object({
    kind: z.literal('rabbitmq'),
    /** `amqp://host:5672/vhost` without credentials (those come from username_env/password_env)… */
    url: z.url({ protocol: /^amqps?$/ }).refine((u) => !new URL(u).password, 'put the password in password_env, not in the url').optional(),
    /** …or the whole URL, credentials included, in an environment variable. */
    url_env: envName.optional(),
    username_env: envName.optional(),
    password_env: envName.optional(),
    exchange: z.string(),
    exchange_type: z.enum(['topic', 'direct', 'fanout', 'headers']).default('topic'),
    /** false: the exchange must exist (a partner's), txgate only checks it. */
    declare_exchange: z.boolean().default(true),
    routing_keys: z.array(z.string()).min(1).default(['#']),
    /** The durable queue txgate declares and binds; keep one per source so instances share its work. */
    queue: z.string().min(1),
    queue_arguments: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Unacked messages in flight at most (a limit, not a hint). */
    prefetch: z.number().int().min(1).max(65_535).default(100),
    /** Message bytes in flight at most (one larger message still passes alone). */
    max_bytes: z.number().int().positive().optional(),
  })
  .extend(queueCommon)
  .strict()
  .refine((s) => (s.url === undefined) !== (s.url_env === undefined), { message: 'set url or url_env (one of them)', path: ['url'] })

export type RabbitMqSourceSettings = z.infer<typeof RabbitMqSchema>
