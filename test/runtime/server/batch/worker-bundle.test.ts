import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { batchWorkerScript } from '../../../../src/runtime/server/batch/worker-bundle.ts'

let dir: string
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('batch: the worker runs as one bundled JavaScript file', () => {
  it('bundles the worker once into the directory, without the TypeScript loader, and again if it was removed', { timeout: 30_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'txgate-bundle-'))
    const fallbacks: string[] = []
    const script = await batchWorkerScript(dir, (e) => fallbacks.push(e))
    expect(fallbacks).toEqual([])
    expect(fileURLToPath(script)).toMatch(new RegExp(`^${dir}/txgate-batch-worker-[0-9a-f]{16}\\.mjs$`))
    expect(await batchWorkerScript(dir)).toBe(script)

    const code = await readFile(script, 'utf8')
    expect(code).not.toMatch(/from ["']tsx/)
    // Nor zod (~700 KB, ~10 MB a worker): the schema's version has a module of its own.
    expect(code).not.toMatch(/ZodError/)

    await rm(fileURLToPath(script))
    expect(fileURLToPath(await batchWorkerScript(dir))).toBe(fileURLToPath(script))
    expect(await readdir(dir)).toEqual([fileURLToPath(script).split('/').at(-1)])
  })
})
