/** @module Builds the VerifyEnv schemes read secrets and settings from, per provider. */
import type { HmacFn, VerifyEnv } from '../auth/types.ts'
import type { Settings } from '../config.ts'

/** Secrets are comma-separated lists so a rotated key and its successor both verify. */
export function createSecretReader(settings: Settings): (name: string) => readonly string[] {
  const memo = new Map<string, readonly string[]>()
  return (name) => {
    let values = memo.get(name)
    if (!values) {
      values = (settings[name] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      memo.set(name, values)
    }
    return values
  }
}

export function createVerifyEnv(
  settings: Settings,
  fetchImpl: typeof fetch,
  toleranceSec: number | undefined,
  secrets = createSecretReader(settings),
  hmac?: HmacFn,
): VerifyEnv {
  return {
    secrets,
    ...(hmac ? { hmac } : {}),
    setting: (name) => settings[name]?.trim() || undefined,
    fetch: fetchImpl,
    ...(toleranceSec === undefined ? {} : { toleranceSec }),
  }
}
