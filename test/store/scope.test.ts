import { describe, expect, it } from 'vitest'
import { idempotencyStoreKey } from '../../src/pipeline/idempotency.ts'
import { keyScope } from '../../src/store/scope.ts'

describe('store: key scope', () => {
  it("never lets a tenant's key equal a default-route key, even when keys contain ':' (Adyen)", () => {
    // Default route, Adyen key `x:PSP1:AUTHORISATION` against tenant `x`, key `PSP1:AUTHORISATION`.
    const defaultKey = idempotencyStoreKey(keyScope('adyen', null), 'x:PSP1:AUTHORISATION')
    const tenantKey = idempotencyStoreKey(keyScope('adyen', 'x'), 'PSP1:AUTHORISATION')
    expect(tenantKey).not.toBe(defaultKey)
    expect(keyScope('stripe', 'acme')).not.toBe(keyScope('stripe', null))
    expect(keyScope('stripe', 'acme')).not.toBe(keyScope('stripe', 'globex'))
  })
})
