/** Runs `bin/txgate.js` as a child process and answers its exit code and output, whatever the code. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const BIN = new URL('../../bin/txgate.js', import.meta.url).pathname

export type CliResult = { code: number; out: string; err: string }

export async function runTxgate(args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [BIN, ...args], opts)
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}
