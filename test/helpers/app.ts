/** Builds the portable app in-process with fakes, as every pipeline and provider test uses it. */
import { providers } from '../../providers/index.ts'
import { createApp } from '../../src/app.ts'
import { loadConfig, type Settings } from '../../src/config.ts'
import type { Deps } from '../../src/deps.ts'
import { createLogger } from '../../src/observability/log.ts'
import { secretValues } from '../../src/observability/redact.ts'
import { createRegistry } from '../../src/provider/registry.ts'
import type { AnyProvider } from '../../src/provider/types.ts'
import { createMemoryLimiter, createMemoryStore } from '../../src/store/memory.ts'
import { createClock, createRecordingPublisher, type Clock, type RecordingPublisher } from './fakes.ts'

export type TestGateway = {
  app: ReturnType<typeof createApp>
  deps: Deps
  publisher: RecordingPublisher
  clock: Clock
  logs: Record<string, unknown>[]
  /** POSTs `body` to the provider's webhook route with `headers`. */
  post(provider: string, body: string | Uint8Array<ArrayBuffer>, headers?: Record<string, string>): Promise<Response>
  /** POSTs to the provider's tenant route `/webhooks/v1/{provider}/events/{tenant}`. */
  postTenant(provider: string, tenant: string, body: string, headers?: Record<string, string>): Promise<Response>
}

export function createTestGateway(
  settings: Settings,
  opts: { providers?: readonly AnyProvider[]; fetch?: typeof fetch; deps?: Partial<Deps> } = {},
): TestGateway {
  const clock = createClock()
  const publisher = createRecordingPublisher()
  const logs: Record<string, unknown>[] = []
  const config = loadConfig({ LOG_LEVEL: 'debug', ...settings })
  const deps: Deps = {
    config,
    settings,
    registry: createRegistry(opts.providers ?? providers),
    store: createMemoryStore(clock),
    limiter: createMemoryLimiter(),
    publisher,
    clock,
    fetch: opts.fetch ?? globalThis.fetch,
    log: createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>), clock, {
      secrets: secretValues(settings),
    }),
    ...opts.deps,
  }
  const app = createApp(deps)
  const request = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) =>
    Promise.resolve(
      app.request(`http://gateway.test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }),
    )
  return {
    app,
    deps,
    publisher,
    clock,
    logs,
    post: (provider, body, headers = {}) => request(`/webhooks/v1/${provider}/events`, body, headers),
    postTenant: (provider, tenant, body, headers = {}) =>
      request(`/webhooks/v1/${provider}/events/${tenant}`, body, headers),
  }
}

export async function fixture(name: string): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  return readFile(new URL(`../../../shared/fixtures/provider-events/${name}`, import.meta.url), 'utf8')
}
