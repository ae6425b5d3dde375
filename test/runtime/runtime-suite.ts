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
  /** Settings on top of the provider secrets, and where accepted events land (default: the spool). */
  setup?: () => Promise<RuntimeSetup>
}

export type RuntimeSetup = {
  main: Record<string, string>
  limited: Record<string, string>
  /** Event ids the sink (e.g. a Kafka REST bridge) acknowledged. */
  delivered?(): string[]
  teardown(): Promise<void>
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
  let setup: RuntimeSetup = { main: {}, limited: {}, teardown: async () => undefined }

  beforeAll(async () => {
    if (opts.setup) setup = await opts.setup()
    ;[main, limited] = await Promise.all([
      startRuntime(runtime, { ...PROVIDER_SETTINGS, ...setup.main }),
      startRuntime(runtime, { ...PROVIDER_SETTINGS, ...LIMITED_SETTINGS, ...setup.limited }),
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([main?.stop(), limited?.stop()])
    await setup.teardown()
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

    it.runIf(opts.durable)('has every event it answered 200 in its sink (the spool on disk, or Kafka)', async () => {
      const answered: string[] = []
      for (let i = 0; i < 3; i++) {
        const e = stripeEvent()
        const res = await fetch(`${url(main)}/webhooks/v1/stripe/events`, { method: 'POST', headers: e.headers, body: e.body })
        expect(res.status).toBe(200)
        answered.push(res.headers.get('txgate-event-id') ?? '')
      }
      const delivered = new Set(setup.delivered?.() ?? [])
      if (!setup.delivered) for await (const r of readSpool(main?.spoolDir ?? '')) delivered.add(r.headers['event_id'] ?? '')
      for (const id of answered) expect(delivered).toContain(id)
    })
  })
}
