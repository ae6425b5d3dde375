import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { batchedLineSink } from '../../../src/runtime/server/line-sink.ts'

describe('batchedLineSink', () => {
  it('writes the lines of one turn together, in order, each ended by a newline', async () => {
    const writes: string[] = []
    const sink = batchedLineSink({ write: (s: string) => (writes.push(s), true) })
    sink('{"a":1}')
    sink('{"b":2}')
    expect(writes).toEqual([]) // held until the turn ends
    await new Promise((r) => setImmediate(r))
    sink('{"c":3}')
    await new Promise((r) => setImmediate(r))
    expect(writes).toEqual(['{"a":1}\n{"b":2}\n', '{"c":3}\n'])
  })

  it('writes a long backlog at once instead of holding it', () => {
    const writes: string[] = []
    const sink = batchedLineSink({ write: (s: string) => (writes.push(s), true) })
    const line = 'x'.repeat(40 * 1024)
    sink(line)
    sink(line)
    expect(writes).toEqual([`${line}\n${line}\n`])
  })

  it('a line logged right before process.exit() still reaches stdout', () => {
    const sinkUrl = new URL('../../../src/runtime/server/line-sink.ts', import.meta.url).href
    const script = `const { batchedLineSink } = await import(${JSON.stringify(sinkUrl)})
const sink = batchedLineSink(process.stdout)
sink('{"msg":"last words"}')
process.exit(0)`
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('{"msg":"last words"}\n')
  })
})
