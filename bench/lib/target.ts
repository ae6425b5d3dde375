/** Starts a server to load (the gateway's Node entry, or the bare Hono ceiling) and samples its RSS. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Target = {
  url: string
  pid: number | undefined
  /** Peak and last resident set size seen since the last reset (bytes), sampled every 100 ms. */
  rss(): { peak: number; last: number }
  resetRss(): void
  stop(): Promise<void>
}

const ROOT = new URL('../../', import.meta.url)

/**
 * `entry` is a path from the repository root, run on this same Node (TypeScript through tsx).
 * `nodeArgs` go before the entry (`--cpu-prof …`, which NODE_OPTIONS refuses); `cpus` pins the
 * process with `taskset -c` (Linux), so that it and the generator do not take each other's core.
 */
export async function startTarget(
  entry: string,
  env: Record<string, string>,
  opts: { nodeArgs?: readonly string[]; cpus?: string } = {},
): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'txgate-bench-'))
  const argv = [...(opts.nodeArgs ?? []), ...(entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry])]
  const [cmd, args] = opts.cpus ? ['taskset', ['-c', opts.cpus, process.execPath, ...argv]] : [process.execPath, argv]
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? dir,
      PORT: '0',
      HOST: '127.0.0.1',
      TXGATE_SPOOL_DIR: join(dir, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await listening(child)
  const sampler = rssSampler(child.pid)
  return {
    url,
    pid: child.pid,
    rss: sampler.read,
    resetRss: sampler.reset,
    async stop() {
      sampler.stop()
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Samples /proc/<pid>/status (Linux); elsewhere RSS is reported as unknown. */
export type RssSampler = { read(): { peak: number; last: number }; reset(): void; stop(): void }

export function rssSampler(pid: number | undefined): RssSampler {
  let peak = 0
  let last = 0
  const sample = async () => {
    if (pid === undefined) return
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN)
    if (Number.isFinite(kb)) {
      last = kb * 1024
      peak = Math.max(peak, last)
    }
  }
  void sample()
  const timer = setInterval(() => void sample(), 100)
  return {
    read: () => ({ peak, last }),
    reset: () => {
      peak = last
    },
    stop: () => clearInterval(timer),
  }
}

// --- Internal helpers ---

function listening(child: ChildProcess): Promise<string> {
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target did not start:\n${out}`)), 30_000)
    const onData = (d: Buffer) => {
      // Keep only the start-up text; after that the output (request logs) is read and dropped.
      if (out.length < 64 * 1024) out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1].replace('localhost', '127.0.0.1'))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`target exited (${code}) before listening:\n${out}`))
    })
  })
}
