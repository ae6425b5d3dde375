/** @module The few Workers runtime types the entry needs (instead of a whole type package). */

/** https://developers.cloudflare.com/workers/runtime-apis/context/ */
export type ExecutionContext = {
  waitUntil(work: Promise<unknown>): void
  passThroughOnException(): void
}

/** Bindings: vars and secrets are strings; other bindings (KV, queues, ...) are objects. */
export type WorkerEnv = Readonly<Record<string, unknown>>

/** A Queue producer binding. https://developers.cloudflare.com/queues/configuration/javascript-apis/ */
export type QueueProducer = {
  send(body: unknown, opts?: { contentType?: QueueContentType; delaySeconds?: number }): Promise<void>
  sendBatch(
    messages: Iterable<{ body: unknown; contentType?: QueueContentType }>,
    opts?: { delaySeconds?: number },
  ): Promise<void>
}

export type QueueContentType = 'text' | 'bytes' | 'json' | 'v8'

/** What a `queue()` consumer handler receives. */
export type MessageBatch = {
  readonly queue: string
  readonly messages: readonly QueueMessage[]
  ackAll(): void
  retryAll(opts?: { delaySeconds?: number }): void
}

export type QueueMessage = {
  readonly id: string
  readonly timestamp: Date
  readonly body: unknown
  /** 1 on the first delivery. */
  readonly attempts: number
  ack(): void
  retry(opts?: { delaySeconds?: number }): void
}

/** A binding is a queue producer when it can send (vars and secrets are strings). */
export function isQueueProducer(value: unknown): value is QueueProducer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { send?: unknown }).send === 'function' &&
    typeof (value as { sendBatch?: unknown }).sendBatch === 'function'
  )
}
