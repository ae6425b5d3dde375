// TypeScript sources → one ES module file under node_modules/.cache/txgate, run by plain Node.
// Loaded through tsx's loader instead, the CLI took 134 MB of RSS before doing anything, bundled
// 89 MB. Packages stay imports (resolved from node_modules as usual).
import { createHash } from 'node:crypto'
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cache = join(root, 'node_modules/.cache/txgate')

/** The bundle of `entry` (a path), written once under a name made from its contents. */
export async function bundled(entry) {
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
  const name = entry.split('/').at(-1).replace(/\.ts$/, '')
  const path = join(cache, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
  if (await access(path).then(() => true, () => false)) return pathToFileURL(path)
  await mkdir(cache, { recursive: true })
  // Written aside and renamed: another process may be starting from the same file.
  const aside = `${path}.${process.pid}.tmp`
  await writeFile(aside, code)
  await rename(aside, path)
  await pruneOlder(name, path)
  return pathToFileURL(path)
}

/** Runs `entry` bundled, or through tsx's loader (saying so on stderr) when bundling fails. */
export async function runBundled(entry) {
  let url
  try {
    url = await bundled(entry)
  } catch (err) {
    process.stderr.write(`txgate: running through tsx (bundling failed: ${err instanceof Error ? err.message : String(err)})\n`)
    const { register } = await import('tsx/esm/api')
    register()
    url = pathToFileURL(entry)
  }
  await import(url.href)
}

/** Bundles of older sources, unused for an hour (a running process has its module loaded already). */
async function pruneOlder(name, keep) {
  const hourAgo = Date.now() - 3_600_000
  for (const file of await readdir(cache).catch(() => [])) {
    const path = join(cache, file)
    if (path === keep || !file.startsWith(`${name}-`) || !file.endsWith('.mjs')) continue
    const { atimeMs, mtimeMs } = await stat(path).catch(() => ({ atimeMs: Infinity, mtimeMs: Infinity }))
    if (Math.max(atimeMs, mtimeMs) < hourAgo) await rm(path, { force: true })
  }
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
