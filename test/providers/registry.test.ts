import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { providers } from '../../providers/index.ts'
import { createRegistry } from '../../src/provider/registry.ts'

describe('providers: registry', () => {
  it('registers every module under providers/ exactly once, with id = file name', async () => {
    const files = (await readdir(new URL('../../providers/', import.meta.url)))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.includes('.data.'))
      .map((f) => f.replace(/\.ts$/, ''))
    expect(providers.map((p) => p.id).sort()).toEqual(files.sort())
  })

  it('has a conformance case file test/providers/cases/<id>.ts for every registered provider', async () => {
    const cases = (await readdir(new URL('./cases/', import.meta.url)))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
    expect(providers.map((p) => p.id).filter((id) => !cases.includes(id))).toEqual([])
  })

  it("has a row in the README's Providers table for every registered provider", async () => {
    const { readFile } = await import('node:fs/promises')
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const section = /^## Providers\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? ''
    const rows = [...section.matchAll(/^\| `([a-z0-9_-]+)` \|/gm)].map((m) => m[1])
    expect(providers.map((p) => p.id).filter((id) => !rows.includes(id))).toEqual([])
  })

  it('refuses duplicate and non-URL-safe ids, and never resolves prototype names', () => {
    const [first] = providers
    if (!first) throw new Error('no providers')
    expect(() => createRegistry([first, first])).toThrow(/twice/)
    expect(() => createRegistry([{ ...first, id: 'Bad Id' }])).toThrow(/URL-safe/)
    const registry = createRegistry(providers)
    expect(registry.get('__proto__')).toBeUndefined()
    expect(registry.get('constructor')).toBeUndefined()
    expect(registry.get(first.id)).toBe(first)
  })

  it('gives every provider a name, at least one scheme and a positive rate limit', () => {
    for (const p of providers) {
      expect(p.name.length).toBeGreaterThan(0)
      expect(p.auth.schemes.length).toBeGreaterThan(0)
      expect(p.rateLimit.ratePerSec).toBeGreaterThan(0)
      expect(p.rateLimit.burst).toBeGreaterThanOrEqual(1)
    }
  })
})
