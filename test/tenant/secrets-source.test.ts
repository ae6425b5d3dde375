import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config.ts'
import { parseTenantSecrets, withTenantSecrets } from '../../src/tenant/secrets-source.ts'

describe('tenant secrets documents (TXGATE_SECRETS_FILE / TXGATE_SECRETS)', () => {
  it('flattens YAML into <NAME>__<TENANT> settings, a list becoming a rotation list', () => {
    const yaml = [
      'tenants:',
      '  acme:',
      '    STRIPE_WEBHOOK_SECRET: [whsec_old, whsec_new]',
      '    TXGATE_RATE_LIMIT_STRIPE: 5/s',
      '  globex_eu:',
      '    ADYEN_HMAC_KEY: "44782DEF"',
    ].join('\n')
    expect(parseTenantSecrets(yaml, 'test')).toEqual({
      STRIPE_WEBHOOK_SECRET__ACME: 'whsec_old,whsec_new',
      TXGATE_RATE_LIMIT_STRIPE__ACME: '5/s',
      ADYEN_HMAC_KEY__GLOBEX_EU: '44782DEF',
    })
  })

  it('reads the same document as JSON', () => {
    const json = JSON.stringify({ tenants: { acme: { STRIPE_WEBHOOK_SECRET: 'whsec_a' } } })
    expect(parseTenantSecrets(json, 'test')).toEqual({ STRIPE_WEBHOOK_SECRET__ACME: 'whsec_a' })
  })

  it('refuses tenant ids that could share an env name or break a key, and values that are not strings', () => {
    const bad = (doc: unknown) => () => parseTenantSecrets(JSON.stringify(doc), 'secrets.json')
    expect(bad({ tenants: { 'acme-eu': { X_SECRET: 'a' } } })).toThrow(/acme-eu.*\[a-z0-9_\]/)
    expect(bad({ tenants: { ACME: { X_SECRET: 'a' } } })).toThrow(ConfigError)
    expect(bad({ tenants: { 'a:b': { X_SECRET: 'a' } } })).toThrow(ConfigError)
    expect(bad({ tenants: { acme: { X_SECRET: { nested: 1 } } } })).toThrow(/string or a list/)
    expect(bad({ tenants: { acme: { 'lower-case': 'a' } } })).toThrow(/not a setting name/)
    expect(bad({ acme: { X_SECRET: 'a' } })).toThrow(/"tenants" map/)
    expect(() => parseTenantSecrets('tenants: [', 'secrets.yaml')).toThrow(/secrets.yaml: not YAML or JSON/)
  })

  it('lets a variable set directly win over TXGATE_SECRETS and the file', () => {
    const settings = withTenantSecrets(
      {
        STRIPE_WEBHOOK_SECRET__ACME: 'whsec_env',
        TXGATE_SECRETS: JSON.stringify({ tenants: { acme: { STRIPE_WEBHOOK_SECRET: 'whsec_inline' }, b: { STRIPE_WEBHOOK_SECRET: 'whsec_b_inline' } } }),
      },
      { text: 'tenants: {b: {STRIPE_WEBHOOK_SECRET: whsec_b_file}, c: {STRIPE_WEBHOOK_SECRET: whsec_c}}', source: 'file' },
    )
    expect(settings['STRIPE_WEBHOOK_SECRET__ACME']).toBe('whsec_env')
    expect(settings['STRIPE_WEBHOOK_SECRET__B']).toBe('whsec_b_inline')
    expect(settings['STRIPE_WEBHOOK_SECRET__C']).toBe('whsec_c')
  })
})
