/** @module Timestamp tolerance applied at receipt time. */
import { TimestampOutOfTolerance, type Unauthorized } from '../errors.ts'

/** Checks a signed Unix-seconds timestamp; returns the failure, or undefined when it is in range. */
export function checkTolerance(
  timestampSec: number,
  nowMs: number,
  toleranceSec: number,
  direction: 'past' | 'both',
): Unauthorized | undefined {
  if (toleranceSec <= 0) return undefined // 0 disables the check, as in Stripe's SDK
  const age = nowMs / 1000 - timestampSec
  if (age > toleranceSec) return new TimestampOutOfTolerance('stale_timestamp', `timestamp is ${Math.round(age)} s old`)
  if (direction === 'both' && -age > toleranceSec) {
    return new TimestampOutOfTolerance('future_timestamp', `timestamp is ${Math.round(-age)} s in the future`)
  }
  return undefined
}
