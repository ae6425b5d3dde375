import { describe, expect, it } from 'vitest'
import { currencyExponent } from '../../src/message/currencies.ts'
import { toMinorUnits } from '../../src/message/money.ts'

describe('message: money', () => {
  it.each([
    ['2.51', 'USD', 251],
    ['2.5', 'USD', 250],
    ['2', 'USD', 200],
    ['2.50', 'usd', 250],
    ['1000', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['0.001', 'BHD', 1],
    ['1.2345', 'CLF', 12345],
    ['-10.05', 'EUR', -1005],
    ['0.10', 'EUR', 10],
    ['2.500', 'USD', 250],
    ['90071992547409.91', 'USD', 9007199254740991],
  ])('%s %s → %i minor units', (decimal, currency, minor) => {
    expect(toMinorUnits({ decimal }, currency)).toEqual({ ok: true, minor, currency: currency.toUpperCase() })
  })

  it('never goes through floating point (0.29 * 100 would be 28.999…)', () => {
    expect(toMinorUnits({ decimal: '0.29' }, 'USD')).toMatchObject({ minor: 29 })
    expect(toMinorUnits({ decimal: '1.15' }, 'USD')).toMatchObject({ minor: 115 })
  })

  it.each([
    ['1.5', 'JPY'],
    ['2.515', 'USD'],
    ['1.23456', 'CLF'],
  ])('refuses %s %s: more decimals than the currency has', (decimal, currency) => {
    const r = toMinorUnits({ decimal }, currency)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.reason).toContain('decimal places')
  })

  it.each(['1e3', '1,00', ' ', '', '.5', '5.', 'NaN', '0x10', '+1'])('refuses the non-decimal %j', (decimal) => {
    expect(toMinorUnits({ decimal }, 'USD').ok).toBe(false)
  })

  it('gives the same minor units for amounts of any length (short ones skip BigInt)', () => {
    expect(toMinorUnits({ decimal: '-0.00' }, 'USD')).toEqual({ ok: true, minor: 0, currency: 'USD' })
    expect(Object.is((toMinorUnits({ decimal: '-0' }, 'JPY') as { minor: number }).minor, 0)).toBe(true)
    expect(toMinorUnits({ decimal: '0009.99' }, 'USD')).toMatchObject({ minor: 999 })
    // 15 digits (the last through Number), 16 digits (through BigInt).
    expect(toMinorUnits({ decimal: '9999999999999.99' }, 'USD')).toMatchObject({ minor: 999999999999999 })
    expect(toMinorUnits({ decimal: '-90071992547409.91' }, 'USD')).toMatchObject({ minor: -9007199254740991 })
  })

  it('refuses amounts past the safe integer range', () => {
    expect(toMinorUnits({ decimal: '90071992547409.92' }, 'USD').ok).toBe(false)
    expect(toMinorUnits({ minor: '9007199254740993' }, 'USD').ok).toBe(false)
  })

  it('accepts minor units as integers or digit strings, and refuses fractions', () => {
    expect(toMinorUnits({ minor: 1099 }, 'usd')).toEqual({ ok: true, minor: 1099, currency: 'USD' })
    expect(toMinorUnits({ minor: '65215' }, 'USD')).toMatchObject({ minor: 65215 })
    expect(toMinorUnits({ minor: 10.5 }, 'USD').ok).toBe(false)
    expect(toMinorUnits({ minor: '10.5' }, 'USD').ok).toBe(false)
  })

  it('refuses unknown codes and codes with no minor unit (metals, XDR, test)', () => {
    for (const code of ['ZZZ', 'XAU', 'XDR', 'XTS', 'XXX', 'US', 'USDT']) {
      expect(toMinorUnits({ minor: 1 }, code).ok).toBe(false)
    }
  })

  it('knows the ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2)
    expect(currencyExponent('JPY')).toBe(0)
    expect(currencyExponent('KRW')).toBe(0)
    expect(currencyExponent('ISK')).toBe(0)
    expect(currencyExponent('KWD')).toBe(3)
    expect(currencyExponent('TND')).toBe(3)
    expect(currencyExponent('UYW')).toBe(4)
    expect(currencyExponent('INR')).toBe(2)
    expect(currencyExponent('constructor')).toBeUndefined()
  })
})
