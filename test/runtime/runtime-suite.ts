/**
 * Runs the conformance suite against one runtime started as real processes (a main gateway and a
 * limited one), or skips it with the printed reason when that runtime cannot run here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSpool } from '../../src/runtime/server/spool.ts'
import { LIMITED_SETTINGS, runConformance, type ConformanceTarget } from './conformance.ts'
import { runtimeVersion, startRuntime, unavailable, type RuntimeName, type RuntimeProcess } from './runtime-process.ts'
import { PROVIDER_SETTINGS, stripeEvent } from './signers.ts'

export type RuntimeSuiteOptions = Pick<ConformanceTarget, 'durable' | 'ready'> & {
  /** Lines the runtime must log, at start or on its first request, about what it runs with. */
  startupLog: readonly RegExp[]
  /** Server runtimes: answers 200 only once the record is in the spool on disk. */
  spool: boolean
  /** Extra settings for both gateways (e.g. a Kafka REST bridge's URL), started before them. */
  setup?: () => Promise<{ settings: Record<string, string>; teardown(): Promise<void> }>
}

export function testRuntime(runtime: RuntimeName, opts: RuntimeSuiteOptions): void {
  const reason = unavailable(runtime)
  if (reason !== undefined) {
    console.warn(`txgate: skipping the ${runtime} conformance suite: ${reason}`)
    describe.skip(`runtime conformance: ${runtime} (skipped: ${reason})`, () => {
      it('cannot run here', () => undefined)
    })
    return
  }

  let main: RuntimeProcess | undefined
  let limited: RuntimeProcess | undefined
  let teardown: (() => Promise<void>) | undefined

  beforeAll(async () => {
    const extra = opts.setup ? await opts.setup() : { settings: {}, teardown: async () => undefined }
    teardown = extra.teardown
    ;[main, limited] = await Promise.all([
      startRuntime(runtime, { ...PROVIDER_SETTINGS, ...extra.settings }),
      startRuntime(runtime, { ...PROVIDER_SETTINGS, ...extra.settings, ...LIMITED_SETTINGS }),
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([main?.stop(), limited?.stop()])
    await teardown?.()
  }, 30_000)

  const url = (p: RuntimeProcess | undefined) => {
    if (!p) throw new Error(`${runtime} is not running`)
    return p.url
  }
  runConformance({
    runtime: `${runtime} (${runtimeVersion(runtime)})`,
    main: () => url(main),
    limited: () => url(limited),
    durable: opts.durable,
    ready: opts.ready,
  })

  describe(`runtime: ${runtime}`, () => {
    it('says in its log which providers, store and publisher it runs with', async () => {
      await fetch(`${url(main)}/health`) // Workers log on an isolate's first request
      await expect.poll(() => main?.output() ?? '', { timeout: 5000 }).toMatch(/provider stripe: configured/)
      for (const line of opts.startupLog) expect(main?.output()).toMatch(line)
    })

    it.runIf(opts.spool)('has every event it answered 200 in its spool on disk', async () => {
      const answered: string[] = []
      for (let i = 0; i < 3; i++) {
        const e = stripeEvent()
        const res = await fetch(`${url(main)}/webhooks/v1/stripe/events`, { method: 'POST', headers: e.headers, body: e.body })
        expect(res.status).toBe(200)
        answered.push(res.headers.get('txgate-event-id') ?? '')
      }
      const spooled = new Set<string>()
      for await (const r of readSpool(main?.spoolDir ?? '')) spooled.add(r.headers['event_id'] ?? '')
      for (const id of answered) expect(spooled).toContain(id)
    })
  })
}
