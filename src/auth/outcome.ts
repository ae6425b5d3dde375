/** @module Shorthand for a failed verification. */
import { Unauthorized } from '../errors.ts'
import type { VerifyOutcome } from './types.ts'

export function unauthorized(reason: Unauthorized['reason'], why: string): VerifyOutcome {
  return { ok: false, error: new Unauthorized(reason, why) }
}
