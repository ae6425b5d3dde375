import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectSftp } from '../../../../src/runtime/server/sources/sftp-store.ts'
import { SftpSchema } from '../../../../src/sources/kinds/sftp.ts'
import { startSshd, type TestSshd } from '../../../helpers/sshd.ts'

let sshd: TestSshd
afterEach(async () => {
  await sshd?.close()
})

function config(extra: Record<string, unknown> = {}) {
  return SftpSchema.parse({
    kind: 'sftp',
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    private_key_env: 'KEY',
    host_key_sha256: [sshd.hostFingerprint],
    path: join(sshd.dir, 'out'),
    glob: '*.csv',
    ...extra,
  })
}

// Pulling (ingest once, sidecars, archive, growth) is in file-kinds.test.ts, shared with s3.
describe('sources: sftp connection to a real sshd', () => {
  it('refuses a host key that is not pinned, naming the fingerprint it saw', async () => {
    sshd = await startSshd()
    const other = `SHA256:${'A'.repeat(43)}`
    await expect(connectSftp(config({ host_key_sha256: [other] }), { KEY: sshd.clientKey })).rejects.toThrow(`host key ${sshd.hostFingerprint} is not pinned`)
  })

  it('a source with no pinned key and no insecure opt-in is a config error', () => {
    expect(() => SftpSchema.parse({ kind: 'sftp', host: 'h', username: 'u', password_env: 'P' })).toThrow(/insecure_accept_any_host_key/)
  })
})
