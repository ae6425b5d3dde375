/**
 * A real Redis Cluster for tests: three masters and three replicas on free loopback ports, built
 * with `redis-server --cluster-enabled yes` and `redis-cli --cluster create`. Nothing persists.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { freePort } from './redis-server.ts'
import { tempDir } from './temp-dir.ts'

const run = promisify(execFile)

export type RedisCluster = {
  /** `127.0.0.1:port` of every node, for REDIS_CLUSTER_NODES. */
  seeds: string[]
  /** The port of the master that serves `slot` now. */
  masterOf(slot: number): Promise<number>
  /** SIGKILL one node, as a crash or a lost host. */
  kill(port: number): Promise<void>
  /** True once every live node says cluster_state:ok and no slot has a failed master. */
  healthy(): Promise<boolean>
  stop(): Promise<void>
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await tempDir('redis-cluster')
  const ports: number[] = []
  for (let i = 0; i < 6; i++) ports.push(await freePort())
  const nodes = new Map<number, ChildProcess>()
  await Promise.all(ports.map(async (port) => nodes.set(port, await launch(port, dir))))
  const seeds = ports.map((p) => `127.0.0.1:${p}`)
  await run('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '1', '--cluster-yes'])
  const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout)
  const live = () => [...nodes.keys()]

  const cluster: RedisCluster = {
    seeds,
    async masterOf(slot) {
      const lines = (await cli(live()[0] ?? 0, 'cluster', 'nodes')).trim().split('\n')
      for (const line of lines) {
        const [, addr, flags, , , , , , ...slots] = line.split(' ')
        if (!flags?.includes('master') || flags.includes('fail')) continue
        for (const range of slots) {
          const [from, to] = range.split('-').map(Number)
          if (from !== undefined && slot >= from && slot <= (to ?? from)) return Number(addr?.split(':')[1]?.split('@')[0])
        }
      }
      throw new Error(`no live master serves slot ${slot}`)
    },
    async kill(port) {
      const proc = nodes.get(port)
      nodes.delete(port)
      if (!proc || proc.exitCode !== null) return
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
      proc.kill('SIGKILL')
      await exited
    },
    async healthy() {
      for (const port of live()) {
        const info = await cli(port, 'cluster', 'info').catch(() => '')
        if (!info.includes('cluster_state:ok')) return false
      }
      return true
    },
    async stop() {
      await Promise.all(live().map((p) => cluster.kill(p)))
    },
  }
  const deadline = Date.now() + 20_000
  while (!(await cluster.healthy())) {
    if (Date.now() > deadline) throw new Error('the Redis Cluster did not become healthy')
    await new Promise((r) => setTimeout(r, 100))
  }
  return cluster
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', `${dir}/nodes-${port}.conf`,
      // A dead master is replaced by its replica after about this long.
      '--cluster-node-timeout', '1000', '--dir', dir,
      // A replica always takes over, however long since it last heard from its master.
      '--cluster-replica-validity-factor', '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server ${port} did not start:\n${out}`)), 10_000)
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server ${port} exited (${code}):\n${out}`))
    })
  })
  return proc
}
