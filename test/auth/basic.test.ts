import { describe, expect, it } from 'vitest'
import { verifyBasic } from '../../src/auth/basic.ts'
import { basic } from '../../src/auth/schemes.ts'
import type { VerifyOutcome } from '../../src/auth/types.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'

const scheme = basic({ credentials: 'T_BASIC' })

function verify(authorization: string | undefined, configured: string): Promise<VerifyOutcome> {
  const headers = new Headers(authorization === undefined ? {} : { authorization })
  const env = createVerifyEnv({ T_BASIC: configured }, globalThis.fetch, undefined)
  return verifyBasic(scheme, { body: new Uint8Array(), headers, url: 'http://x/', now: 0 }, env)
}

// What an HTTP client sends: base64 of the UTF-8 bytes of user:pass (RFC 7617 with charset UTF-8).
const header = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`
const reason = (o: VerifyOutcome) => (o.ok ? 'ok' : o.error.reason)

describe('auth: basic', () => {
  it('accepts the configured credentials and names the user as the principal', async () => {
    expect(await verify(header('adyen:s3cret'), 'adyen:s3cret')).toEqual({
      ok: true,
      principal: 'adyen',
    })
  })

  it('accepts a password that itself contains colons', async () => {
    expect(await verify(header('ws_user:a:b:c'), 'ws_user:a:b:c')).toEqual({
      ok: true,
      principal: 'ws_user',
    })
  })

  it('accepts a non-ASCII password sent as UTF-8', async () => {
    expect(reason(await verify(header('händler:pässwört€'), 'händler:pässwört€'))).toBe('ok')
  })

  it('accepts the lower-case scheme name', async () => {
    expect(reason(await verify(header('u:p').replace('Basic', 'basic'), 'u:p'))).toBe('ok')
  })

  it('accepts any of several comma-separated credential pairs (rotation)', async () => {
    expect(reason(await verify(header('new:two'), 'old:one,new:two'))).toBe('ok')
    expect(reason(await verify(header('old:one'), 'old:one,new:two'))).toBe('ok')
  })

  it('refuses a wrong password, a wrong user and a prefix of the password', async () => {
    for (const given of ['u:wrong', 'x:p4ss', 'u:p4s', 'u:p4ss ']) {
      expect(reason(await verify(header(given), 'u:p4ss'))).toBe('bad_credentials')
    }
  })

  it('answers missing_header without Authorization and malformed_header for other schemes or bad base64', async () => {
    expect(reason(await verify(undefined, 'u:p'))).toBe('missing_header')
    expect(reason(await verify('Bearer abc', 'u:p'))).toBe('malformed_header')
    expect(reason(await verify('Basic a$b', 'u:p'))).toBe('malformed_header')
    expect(reason(await verify('Basic abcde', 'u:p'))).toBe('malformed_header')
  })
})
