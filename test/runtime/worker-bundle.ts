/**
 * The Worker as Cloudflare would run it: the bundle `wrangler deploy --dry-run` builds (exactly what
 * a deploy uploads), and a workerd config that serves it on one port with the given bindings.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { copyFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp-dir.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

let bundle: Promise<string> | undefined

/** Builds the deploy bundle once per test process; resolves to the path of its `workers.js`. */
export function workerBundle(env: Record<string, string>): Promise<string> {
  bundle ??= (async () => {
    const dir = await tempDir('worker-bundle')
    const r = spawnSync(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env,
    })
    if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`)
    return join(dir, 'workers.js')
  })()
  return bundle
}

/** Writes `dir/config.capnp`: the bundle as one ES module, bindings as text, fetch allowed out. */
export async function writeWorkerdConfig(
  dir: string,
  opts: { bundle: string; port: number; bindings: Record<string, string> },
): Promise<string> {
  await copyFile(opts.bundle, join(dir, 'workers.js'))
  const bindings = Object.entries({ ...wranglerVars(), ...opts.bindings })
    .map(([name, value]) => `    (name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)}),`)
    .join('\n')
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .gateway),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${opts.port}", http = (), service = "main")],
);

const gateway :Workerd.Worker = (
  modules = [(name = "workers.js", esModule = embed "workers.js")],
  compatibilityDate = ${JSON.stringify(compatibilityDate())},
  bindings = [
${bindings}
  ],
  globalOutbound = "internet",
);
`
  const path = join(dir, 'config.capnp')
  await writeFile(path, config)
  return path
}

/**
 * Writes `dir/wrangler.toml`: the top-level config without its queue bindings (the Worker then
 * publishes to the bridge directly), `main` made absolute so it resolves from `dir`.
 */
export async function writeWranglerConfigWithoutQueues(dir: string): Promise<string> {
  const out: string[] = []
  let inQueues = false
  for (const line of wranglerToml().split('\n')) {
    if (/^\[/.test(line)) inQueues = line.startsWith('[[queues.')
    if (inQueues) continue
    out.push(line.replace(/^main\s*=\s*"([^"]+)"/, (_, main: string) => `main = ${JSON.stringify(join(ROOT, main))}`))
  }
  const path = join(dir, 'wrangler.toml')
  await writeFile(path, out.join('\n'))
  return path
}

// --- Internal helpers ---

const wranglerToml = (): string => readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')

function compatibilityDate(): string {
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wranglerToml())
  if (!m?.[1]) throw new Error('wrangler.toml has no compatibility_date')
  return m[1]
}

/** The `[vars]` of wrangler.toml (flat `NAME = "value"` lines), as a deploy would bind them. */
function wranglerVars(): Record<string, string> {
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(wranglerToml())?.[1] ?? ''
  const vars: Record<string, string> = {}
  for (const m of section.matchAll(/^([A-Z0-9_]+)\s*=\s*"([^"]*)"\s*$/gm)) if (m[1]) vars[m[1]] = m[2] ?? ''
  return vars
}
