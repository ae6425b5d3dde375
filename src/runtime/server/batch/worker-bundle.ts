/**
 * @module The worker's code as one plain JavaScript file, bundled by esbuild once per process.
 *
 * A worker that loads the TypeScript sources through tsx (worker.mjs) costs ~42 MB of RSS before
 * it parses a row: tsx's loader, its source maps and the modules' compiled text, per thread. The
 * same code bundled costs ~10 MB a worker (measured, Node 20). The bundle is written next to the
 * job's temporary files under a name made from its contents, so processes share it and a stale
 * one is never used.
 */
import { createHash } from 'node:crypto'
import { access, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const bundles = new Map<string, Promise<URL>>()

/** The bundled worker in `dir`; the tsx bootstrap when esbuild cannot bundle it (the error is in `onFallback`). */
export async function batchWorkerScript(dir: string, onFallback: (error: string) => void = () => {}): Promise<URL> {
  let script = bundles.get(dir)
  // Bundled again if someone cleared the directory since.
  if (script && !(await access(await script).then(() => true, () => false))) script = undefined
  if (!script) {
    script = bundle(dir).catch((err: unknown) => {
      onFallback(err instanceof Error ? err.message : String(err))
      return new URL('./worker.mjs', import.meta.url)
    })
    bundles.set(dir, script)
  }
  return script
}

async function bundle(dir: string): Promise<URL> {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./worker-main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  })
  const code = (out.outputFiles[0] as { contents: Uint8Array }).contents
  const path = join(dir, `txgate-batch-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
  // Written aside and renamed: another process may be starting a worker from the same name.
  const aside = `${path}.${process.pid}.tmp`
  await writeFile(aside, code)
  await rename(aside, path)
  return pathToFileURL(path)
}
