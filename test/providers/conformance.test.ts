/**
 * Every provider in the registry through the same table of cases (test/helpers/provider-suite.ts).
 * A provider's case file is `test/providers/cases/<id>.ts`; it is found by its name, so adding a
 * provider is its module, one line in providers/index.ts and its case file.
 */
import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { providers } from '../../providers/index.ts'
import { runProviderCase, type ProviderCase } from '../helpers/provider-suite.ts'

const dir = new URL('./cases/', import.meta.url)
const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'))
const cases = new Map<string, ProviderCase>()
for (const file of files) {
  const mod = (await import(new URL(file, dir).href)) as { default?: ProviderCase }
  if (mod.default) cases.set(file.replace(/\.ts$/, ''), mod.default)
}

describe('provider conformance', () => {
  it('has a case file for every registered provider, named by its id', () => {
    const missing = providers.map((p) => p.id).filter((id) => !cases.has(id))
    expect(missing, 'registered providers without test/providers/cases/<id>.ts').toEqual([])
    for (const [file, c] of cases) expect(c.provider, `cases/${file}.ts`).toBe(file)
  })
})

for (const p of providers) {
  const c = cases.get(p.id)
  if (c) runProviderCase(c)
}
