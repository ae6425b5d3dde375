import { describe, expect, it } from 'vitest'
import { createBatcher, type SendRecords } from '../../src/publish/batcher.ts'
import { PublishFailed, RecordsRejected } from '../../src/publish/errors.ts'
import type { KafkaRecord, OutboundRecord } from '../../src/publish/types.ts'

const rec = (n: number): KafkaRecord => ({
  topic: 'transactions.realtime',
  key: `stripe:pi_${n}`,
  headers: { event_id: `e${n}` },
  value: { n } as unknown as KafkaRecord['value'],
})

/** A produce call that records what it was given and answers after a turn of the event loop. */
function recordingSend(answer: (r: OutboundRecord) => 'ok' | 'bad' | 'retry' = () => 'ok') {
  const calls: string[][] = []
  const send: SendRecords = async (records) => {
    calls.push(records.map((r) => r.key))
    await new Promise((r) => setTimeout(r, 5))
    return records.map((r) => {
      const a = answer(r)
      return a === 'ok' ? { ok: true } : { ok: false, permanent: a === 'bad', reason: a }
    })
  }
  return { calls, send }
}

describe('publish: batcher', () => {
  it('sends concurrent publishes in one call and resolves each caller', async () => {
    const { calls, send } = recordingSend()
    const submit = createBatcher({ send, lingerMs: 2 })
    await Promise.all(Array.from({ length: 50 }, (_, i) => submit([rec(i)])))
    expect(calls).toHaveLength(1)
    expect(calls[0]).toHaveLength(50)
  })

  it('keeps one call in flight; what arrives meanwhile goes together, in arrival order', async () => {
    const { calls, send } = recordingSend()
    const submit = createBatcher({ send, lingerMs: 0 })
    const first = submit([rec(0)])
    await new Promise((r) => setTimeout(r, 1))
    await Promise.all([first, ...[1, 2, 3].map((i) => submit([rec(i)]))])
    expect(calls).toEqual([['stripe:pi_0'], ['stripe:pi_1', 'stripe:pi_2', 'stripe:pi_3']])
  })

  it('caps a call at maxRecords without splitting one caller’s records', async () => {
    const { calls, send } = recordingSend()
    const submit = createBatcher({ send, lingerMs: 1, maxRecords: 4 })
    await Promise.all([
      submit([rec(0), rec(1), rec(2)]),
      submit([rec(3), rec(4)]),
      submit([rec(5)]),
    ])
    expect(calls.map((c) => c.length)).toEqual([3, 3])
  })

  it('rejects only the caller whose record Kafka refused; the others resolve', async () => {
    const { send } = recordingSend((r) => (r.key === 'stripe:pi_2' ? 'bad' : 'ok'))
    const submit = createBatcher({ send })
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => submit([rec(i)])))
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ])
    const reason = (results[2] as PromiseRejectedResult).reason as RecordsRejected
    expect(reason).toBeInstanceOf(RecordsRejected)
    expect(reason.rejected.map((r) => r.record.key)).toEqual(['stripe:pi_2'])
  })

  it('fails a caller as retriable when any of its records got a retriable error', async () => {
    const { send } = recordingSend((r) =>
      r.key === 'stripe:pi_1' ? 'retry' : r.key === 'stripe:pi_0' ? 'bad' : 'ok',
    )
    const submit = createBatcher({ send })
    await expect(submit([rec(0), rec(1)])).rejects.toBeInstanceOf(PublishFailed)
  })

  it('fails every caller of a call that throws', async () => {
    const submit = createBatcher({ send: async () => Promise.reject(new PublishFailed('down')) })
    const results = await Promise.allSettled([submit([rec(0)]), submit([rec(1)])])
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
  })

  it('drops the records of a caller who gave up before they were sent', async () => {
    const { calls, send } = recordingSend()
    const submit = createBatcher({ send, lingerMs: 0 })
    const first = submit([rec(0)])
    const ac = new AbortController()
    const late = submit([rec(1)], { signal: ac.signal })
    ac.abort(new Error('timed out'))
    await expect(late).rejects.toThrow('timed out')
    await first
    await new Promise((r) => setTimeout(r, 20))
    expect(calls.flat()).toEqual(['stripe:pi_0'])
  })
})
