#!/usr/bin/env node
// The package's CLI. Its TypeScript sources are bundled by esbuild into one file under
// node_modules/.cache/txgate and run from there: loaded through tsx's loader instead, the same
// code took 134 MB of RSS before doing anything, bundled 89 MB (a batch ingest's memory is
// measured against this). tsx is the fallback when bundling fails.
import { createHash } from 'node:crypto'
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const entry = join(root, 'src/runtime/server/cli.ts')

async function bundle() {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
    plugins: [moduleUrls],
  })
  const code = out.outputFiles[0].contents
  const path = join(root, 'node_modules/.cache/txgate', `cli-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
  if (await access(path).then(() => true, () => false)) return pathToFileURL(path)
  await mkdir(dirname(path), { recursive: true })
  // Written aside and renamed: another txgate may be starting from the same file.
  const aside = `${path}.${process.pid}.tmp`
  await writeFile(aside, code)
  await rename(aside, path)
  return pathToFileURL(path)
}

/** Each module keeps its own `import.meta.url` (the batch path finds its worker's files by it). */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
      loader: 'ts',
    }))
  },
}

let url
try {
  url = await bundle()
} catch (err) {
  process.stderr.write(`txgate: running through tsx (bundling failed: ${err instanceof Error ? err.message : String(err)})\n`)
  const { register } = await import('tsx/esm/api')
  register()
  url = pathToFileURL(entry)
}
await import(url.href)
