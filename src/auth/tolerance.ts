/** @module Timestamp tolerance applied at receipt time. */
import { Unauthorized } from '../errors.ts'

/** Checks a signed Unix-seconds timestamp; returns the failure, or undefined when it is in range. */
export function checkTolerance(
  timestampSec: number,
  nowMs: number,
  toleranceSec: number,
  direction: 'past' | 'both',
): Unauthorized | undefined {
  if (toleranceSec <= 0) return undefined // 0 disables the check, as in Stripe's SDK
  const age = nowMs / 1000 - timestampSec
  if (age > toleranceSec) return new Unauthorized('stale_timestamp', `timestamp is ${Math.round(age)} s old`)
  if (direction === 'both' && -age > toleranceSec) {
    return new Unauthorized('future_timestamp', `timestamp is ${Math.round(-age)} s in the future`)
  }
  return undefined
}
