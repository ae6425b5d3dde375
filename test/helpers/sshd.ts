/** A real OpenSSH sshd (Debian's openssh-server) on a free port: temp host key, key auth for the current user, internal-sftp. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

export type TestSshd = { port: number; dir: string; user: string; clientKey: string; hostFingerprint: string; close(): Promise<void> }

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'sshd-'))
  execFileSync('mkdir', ['-p', '/run/sshd'])
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')])
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')])
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')))
  const hostFingerprint = execFileSync('ssh-keygen', ['-lf', join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(' ')[1] ?? ''
  const port = await freePort()
  const user = userInfo().username
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
    ].join('\n') + '\n',
  )
  const proc: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sshd did not start: ${stderr}`)), 10_000)
    const check = () => (/Server listening/.test(stderr) ? (clearTimeout(t), resolve()) : setTimeout(check, 20))
    proc.once('exit', (code) => reject(new Error(`sshd exited ${code}: ${stderr}`)))
    check()
  })
  return {
    port,
    dir,
    user,
    clientKey: await readFile(join(dir, 'client_key'), 'utf8'),
    hostFingerprint,
    async close() {
      proc.kill('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    },
  }
}
