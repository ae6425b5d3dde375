/**
 * Starts one runtime's entry as a real process on a free loopback port (with a temp spool dir and
 * its own env), waits for /health, and stops it (its whole process group) afterwards. A runtime
 * whose binary cannot run here reports why, so its tests skip with that reason, never pass.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, WRANGLER, workerBundle, writeWorkerdConfig } from './worker-bundle.ts'

/** `workerd` serves the deploy bundle directly; `wrangler` is `wrangler dev` (npm run start:workers). */
export type RuntimeName = 'node' | 'bun' | 'deno' | 'workerd' | 'wrangler'

export type RuntimeProcess = {
  url: string
  /** Where its spool is (server runtimes). */
  spoolDir: string
  /** Its process group (the runtime and anything it started). */
  pgid: number
  output(): string
  stop(): Promise<void>
}

const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name)

/** What `npm run start:deno` grants: --allow-run only for the spool lock's liveness check (kill 0). */
export const DENO_PERMISSIONS = ['--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-run']

type Launch = (port: number, dir: string, env: Record<string, string>, opts: StartOptions) => Promise<string[]>

export type StartOptions = {
  timeoutMs?: number
  /** wrangler only: this config file instead of the top-level wrangler.toml. */
  wranglerConfig?: string
}

/** The command line each runtime is served with: the same as its npm start script. */
const COMMANDS: Record<RuntimeName, Launch> = {
  node: async () => [process.execPath, 'bin/serve.js'],
  bun: async () => [BIN('bun'), 'run', 'src/runtime/bun.ts'],
  deno: async () => [BIN('deno'), 'run', ...DENO_PERMISSIONS, 'src/runtime/deno.ts'],
  workerd: async (port, dir, env) => {
    const bundle = await workerBundle(quietEnv())
    return [BIN('workerd'), 'serve', await writeWorkerdConfig(dir, { bundle, port, bindings: env })]
  },
  // Secrets from an env file in .dev.vars format, so a developer's own .dev.vars is not read.
  wrangler: async (port, dir, env, opts) => {
    const vars = join(dir, 'dev.vars')
    await writeFile(vars, Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'))
    return [
      process.execPath,
      WRANGLER,
      'dev',
      ...['--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0'],
      ...['--persist-to', join(dir, 'state'), '--env-file', vars, '--show-interactive-dev-session=false'],
      ...(opts.wranglerConfig ? ['--config', opts.wranglerConfig] : []),
    ]
  },
}

const VERSION_ARGS: Record<RuntimeName, string[]> = {
  node: [process.execPath, '--version'],
  bun: [BIN('bun'), '--version'],
  deno: [BIN('deno'), '--version'],
  workerd: [BIN('workerd'), '--version'],
  wrangler: [process.execPath, WRANGLER, '--version'],
}

/** Why `runtime` cannot run on this machine, or undefined when it can. */
export function unavailable(runtime: RuntimeName): string | undefined {
  const [cmd = '', ...args] = VERSION_ARGS[runtime]
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env: quietEnv() })
  if (r.error) return `${runtime}: ${cmd} cannot run (${r.error.message}); run npm ci`
  if (r.status !== 0) return `${runtime}: ${cmd} --version exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`
  return undefined
}

export function runtimeVersion(runtime: RuntimeName): string {
  const [cmd = '', ...args] = VERSION_ARGS[runtime]
  return spawnSync(cmd, args, { encoding: 'utf8', env: quietEnv() }).stdout.trim().split('\n')[0] ?? ''
}

export async function startRuntime(
  runtime: RuntimeName,
  settings: Record<string, string>,
  opts: StartOptions = {},
): Promise<RuntimeProcess> {
  const dir = await mkdtemp(join(tmpdir(), `txgate-${runtime}-`))
  const port = await freePort()
  const env = { PORT: String(port), HOST: '127.0.0.1', TXGATE_SPOOL_DIR: join(dir, 'spool'), LOG_LEVEL: 'warn', ...settings }
  const [cmd = '', ...args] = await COMMANDS[runtime](port, dir, env, opts)
  // Its own process group, so stopping it also stops what it started (wrangler → workerd).
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...quietEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const stop = async () => {
    await stopGroup(child, exited)
    await rm(dir, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(url, child, opts.timeoutMs ?? 60_000)
  } catch (err) {
    await stop()
    throw new Error(`${runtime} did not start: ${(err as Error).message}\n${out}`)
  }
  return { url, spoolDir: env.TXGATE_SPOOL_DIR, pgid: child.pid ?? 0, output: () => out, stop }
}

// --- Internal helpers ---

/** The child's base environment: enough to run, no telemetry, no calls to Cloudflare for `request.cf`. */
function quietEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
    NO_COLOR: '1',
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  await new Promise<void>((done) => server.close(() => done()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no 200 from ${url}/health within ${timeoutMs} ms`)
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid
  if (pid === undefined) return
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      // the group is gone
    }
  }
  if (child.exitCode === null && child.signalCode === null) {
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  signal('SIGKILL') // anything of the group that outlived its leader (workerd under wrangler)
}
