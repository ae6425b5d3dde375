import { readdir, readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { providers } from '../../providers/index.ts'
import { createRegistry } from '../../src/provider/registry.ts'

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')

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

  // README.md has two provider tables: the settings table under "Provider secrets" and the
  // catalogue under "## Providers". Each must list exactly the registered providers, and the
  // catalogue's "batch export" cell says whether the module has a batch mapping.
  describe('README provider tables', () => {
    const ids = providers.map((p) => p.id).sort()
    const tables = {
      'Provider secrets': tableAfter(readme, /^Provider secrets\b.*$/m),
      Providers: tableAfter(readme, /^## Providers$/m),
    }

    for (const [name, rows] of Object.entries(tables)) {
      it(`the ${name} table has one row per registered provider and none for another`, () => {
        const named = rows.map((r) => r.id)
        expect(named.length).toBeGreaterThan(0)
        for (const r of rows) expect(r.cells.length, `cells in the row of ${r.id}`).toBe(r.header.length)
        expect(named.filter((id, i) => named.indexOf(id) !== i), 'rows named twice').toEqual([])
        expect(ids.filter((id) => !named.includes(id)), 'registered, without a row').toEqual([])
        expect(named.filter((id) => !ids.includes(id)), 'rows naming no registered provider').toEqual([])
      })
    }

    it("the Providers table's batch export cell is '—' exactly for the providers without a batch mapping", () => {
      const header = tables.Providers[0]?.header ?? []
      const col = header.indexOf('batch export')
      expect(col).toBeGreaterThan(0)
      const noExport = tables.Providers.filter((r) => r.cells[col] === '—').map((r) => r.id).sort()
      expect(noExport).toEqual(providers.filter((p) => p.batch === undefined).map((p) => p.id).sort())
    })
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

type Row = { id: string; cells: string[]; header: string[] }

/** The rows of the first Markdown table after `marker`, keyed by the backquoted id in their first cell. */
function tableAfter(text: string, marker: RegExp): Row[] {
  const start = marker.exec(text)
  if (!start) throw new Error(`README has no ${String(marker)}`)
  const lines = text.slice(start.index).split('\n')
  const first = lines.findIndex((l) => l.startsWith('|'))
  const table: string[] = []
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break
    table.push(line)
  }
  // Split on cell bars only: a `|` inside backquotes (`publicKey|hex`) belongs to the cell.
  const cells = (line: string) => line.slice(1, -1).split(/\|(?=(?:[^`]*`[^`]*`)*[^`]*$)/).map((c) => c.trim())
  const [head, , ...body] = table
  const header = cells(head ?? '')
  return body.map((line) => {
    const c = cells(line)
    return { id: /^`([^`]+)`$/.exec(c[0] ?? '')?.[1] ?? `(row without a backquoted id: ${line.slice(0, 40)})`, cells: c, header }
  })
}
