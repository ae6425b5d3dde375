/** Starts a gateway entry as a real child process and waits for its "listening on" line. */
import { spawn, type ChildProcess } from 'node:child_process'

export type GatewayProcess = {
  child: ChildProcess
  url: string
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export async function startGateway(
  args: string[],
  env: Record<string, string>,
  /** `ready`: the line that says it started, on stdout or stderr (default: the gateway's "listening on"). */
  opts: { cwd?: string; timeoutMs?: number; ready?: RegExp } = {},
): Promise<GatewayProcess> {
  const child = spawn(args[0] ?? process.execPath, args.slice(1), {
    cwd: opts.cwd ?? process.cwd(),
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), opts.timeoutMs ?? 20_000)
    const check = () => {
      if (opts.ready) {
        if (!opts.ready.test(out)) return
        clearTimeout(timer)
        return resolve('')
      }
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1].replace('localhost', '127.0.0.1'))
      }
    }
    child.stdout?.on('data', check)
    if (opts.ready) child.stderr?.on('data', check)
    child.once('exit', () => {
      clearTimeout(timer)
      reject(new Error(`gateway exited early:\n${out}`))
    })
  })
  return {
    child,
    url,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}
