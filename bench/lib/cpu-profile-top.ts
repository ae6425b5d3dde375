/**
 * Top self-time table of a V8 `.cpuprofile` (from `node --cpu-prof`), for bench/README.md:
 *
 *   node --import tsx bench/lib/cpu-profile-top.ts <file.cpuprofile> [--top 10] [--busy]
 *
 * Self time per function (name + file:line), as a share of all samples; `--busy` leaves out
 * `(idle)` from the total, so the shares are of the time the process was on a core.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '10' }, busy: { type: 'boolean', default: false } },
})
const profile = JSON.parse(readFileSync(positionals[0] as string, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const n = byId.get(id)
  const dt = profile.timeDeltas[i] ?? 0
  if (!n) return
  const f = n.callFrame
  const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules\/)?/, (m) => (m.includes('node_modules') ? 'node_modules/…/' : ''))}:${f.lineNumber + 1}` : ''}`.trim()
  if (values.busy && f.functionName === '(idle)') return
  self.set(key, (self.get(key) ?? 0) + dt)
  total += dt
})
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))
console.log(`| # | function | self ms | self % |\n| ---: | --- | ---: | ---: |`)
rows.forEach(([k, us], i) => console.log(`| ${i + 1} | \`${k}\` | ${(us / 1000).toFixed(0)} | ${((us / total) * 100).toFixed(1)} |`))
console.log(`\n(total ${(total / 1000).toFixed(0)} ms${values.busy ? ', idle left out' : ''})`)
