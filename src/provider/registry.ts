/** @module Provider registry: a null-prototype table that resolves an id or returns undefined. */
import type { AnyProvider } from './types.ts'

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/

export type Registry = {
  get(id: string): AnyProvider | undefined
  all(): readonly AnyProvider[]
}

export function createRegistry(providers: readonly AnyProvider[]): Registry {
  // Null prototype: '__proto__' or 'constructor' in a URL never resolves to something.
  const table = Object.create(null) as Record<string, AnyProvider>
  for (const p of providers) {
    if (!ID.test(p.id)) throw new Error(`provider id "${p.id}" is not URL-safe`)
    if (table[p.id]) throw new Error(`provider id "${p.id}" is registered twice`)
    table[p.id] = p
  }
  return {
    get: (id) => (ID.test(id) ? table[id] : undefined),
    all: () => providers,
  }
}
