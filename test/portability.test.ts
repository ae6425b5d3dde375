import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The compiler's `types: []` keeps Node's globals out of the core, but a dependency's typings can
// pull them back in; this scan is the second fence.
const PORTABLE_ROOTS = ['src', 'providers']
const RUNTIME_SPECIFIC = join('src', 'runtime')
const FORBIDDEN: [RegExp, string][] = [
  [/from ['"]node:/, 'a node: import'],
  [/import\(['"]node:/, 'a node: import'],
  [/from ['"](fs|path|crypto|http|os|stream|zlib|child_process|worker_threads)['"]/, 'a Node built-in import'],
  [/from ['"](kafkajs|ioredis|@hono\/node-server)['"]/, 'a server-only package'],
  [/\bBuffer\./, 'Buffer'],
  [/\bprocess\.(env|exit|on|stdout|stderr|pid)/, 'process'],
  [/\brequire\(/, 'require()'],
]

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (path !== RUNTIME_SPECIFIC) yield* files(path)
    } else if (entry.name.endsWith('.ts')) yield path
  }
}

describe('portability: the core and providers use Web APIs only', () => {
  it('has no Node built-ins, Buffer, process or server-only packages outside src/runtime/', async () => {
    const offences: string[] = []
    for (const root of PORTABLE_ROOTS) {
      for await (const path of files(root)) {
        const text = await readFile(path, 'utf8')
        for (const [pattern, what] of FORBIDDEN) if (pattern.test(text)) offences.push(`${path}: ${what}`)
      }
    }
    expect(offences).toEqual([])
  })

  it('keeps providers free of I/O: they import only zod and src/provider/define.ts', async () => {
    const offences: string[] = []
    for await (const path of files('providers')) {
      if (path.endsWith('index.ts')) continue
      const text = await readFile(path, 'utf8')
      for (const m of text.matchAll(/from ['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? ''
        if (spec !== 'zod' && !spec.endsWith('src/provider/define.ts') && !spec.startsWith('./')) {
          offences.push(`${path}: imports ${spec}`)
        }
      }
      if (/\bfetch\(/.test(text)) offences.push(`${path}: calls fetch`)
    }
    expect(offences).toEqual([])
  })
})
