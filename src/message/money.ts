/** @module Amounts → integer minor units by the ISO 4217 exponent, by string arithmetic, never floats. */
import { currencyExponent } from './currencies.ts'

export type Amount = { minor: number | string } | { decimal: string }
export type MoneyResult = { ok: true; minor: number; currency: string } | { ok: false; reason: string }

const INTEGER = /^-?\d+$/
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

export function toMinorUnits(amount: Amount, currencyInput: string): MoneyResult {
  const currency = currencyInput.trim().toUpperCase()
  const exponent = currencyExponent(currency)
  if (exponent === undefined) return { ok: false, reason: `unknown ISO 4217 currency "${currencyInput}"` }

  if ('minor' in amount) {
    const minor = typeof amount.minor === 'number' ? amount.minor : parseIntegerString(amount.minor)
    if (minor === undefined || !Number.isSafeInteger(minor)) {
      return { ok: false, reason: `amount ${String(amount.minor)} is not an integer number of minor units` }
    }
    return { ok: true, minor, currency }
  }

  const match = DECIMAL.exec(amount.decimal.trim())
  if (!match) return { ok: false, reason: `amount "${amount.decimal}" is not a decimal number` }
  const [, sign = '', whole = '0', fraction = ''] = match
  // Digits past the currency's exponent are allowed only when they are zeros ("2.50" USD is
  // exact; "2.505" USD or "1.5" JPY is not a representable amount and must not be rounded).
  const kept = fraction.slice(0, exponent)
  const dropped = fraction.slice(exponent)
  if (/[^0]/.test(dropped)) {
    return {
      ok: false,
      reason: `amount "${amount.decimal}" has more decimal places than ${currency} allows (${exponent})`,
    }
  }
  const digits = whole + kept.padEnd(exponent, '0')
  // Up to 15 digits are below 2^53, exact as a double: no BigInt (two per amount were a third
  // of this function's time on the batch path). `-0` stays 0, as through BigInt.
  if (digits.length <= 15) {
    const n = Number(digits)
    return { ok: true, minor: sign && n !== 0 ? -n : n, currency }
  }
  const minor = BigInt(sign + digits)
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < BigInt(Number.MIN_SAFE_INTEGER)) {
    return { ok: false, reason: `amount "${amount.decimal}" is too large` }
  }
  return { ok: true, minor: Number(minor), currency }
}

// --- Internal helpers ---

function parseIntegerString(value: string): number | undefined {
  const trimmed = value.trim()
  if (!INTEGER.test(trimmed)) return undefined
  const big = BigInt(trimmed)
  return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)
    ? undefined
    : Number(big)
}
