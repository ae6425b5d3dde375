import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScript, SCRIPTS, type ScriptCaller } from '../../src/store/scripts.ts'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts'

const sha1 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')

describe('store: Lua scripts', () => {
  it.each(Object.entries(SCRIPTS))('pins the SHA-1 of %s', async (_name, script) => {
    expect(await sha1(script.source)).toBe(script.sha1)
  })

  describe('on a Redis that has never seen them (a fresh or restarted server)', () => {
    let server: RedisServer
    let admin: Redis
    let caller: ScriptCaller
    beforeAll(async () => {
      server = await startRedisServer()
      admin = await server.admin()
      caller = {
        evalsha: (sha, keys, args) => admin.evalsha(sha, keys.length, ...keys, ...args),
        eval: (src, keys, args) => admin.eval(src, keys.length, ...keys, ...args),
      }
    })
    afterAll(async () => server.stop())

    it('Redis computes the same hashes', async () => {
      for (const script of Object.values(SCRIPTS))
        expect(await admin.script('LOAD', script.source)).toBe(script.sha1)
      await admin.script('FLUSH')
    })

    it('falls back from EVALSHA to EVAL once, after which EVALSHA finds the script', async () => {
      await admin.config('RESETSTAT')
      expect(await runScript(caller, SCRIPTS.claim, ['k'], ['ev-1', '1000', '1000'])).toBe('')
      expect(await runScript(caller, SCRIPTS.claim, ['k'], ['ev-2', '1000', '1000'])).toBe('f:ev-1')
      const stats = await admin.info('commandstats')
      expect(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1]).toBe('2')
      expect(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1]).toBe('1')
    })

    it('passes other script errors through', async () => {
      await admin.hset('a-hash', 'field', 'value')
      await expect(
        runScript(caller, SCRIPTS.claim, ['a-hash'], ['ev-1', '1000', '1000']),
      ).rejects.toThrow(/WRONGTYPE/)
    })
  })
})
