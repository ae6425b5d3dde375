/** @module The few Workers runtime types the entry needs (instead of a whole type package). */

/** https://developers.cloudflare.com/workers/runtime-apis/context/ */
export type ExecutionContext = {
  waitUntil(work: Promise<unknown>): void
  passThroughOnException(): void
}

/** Bindings: vars and secrets are strings; other bindings (KV, queues, ...) are objects. */
export type WorkerEnv = Readonly<Record<string, unknown>>
