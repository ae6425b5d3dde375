import { createHash } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { pullFiles, type FilePullEnv, type FileSource } from '../../../../src/runtime/server/sources/pull-files.ts'
import { connectSftp } from '../../../../src/runtime/server/sources/sftp-store.ts'
import { SftpSchema } from '../../../../src/sources/kinds/sftp.ts'
import { startSshd, type TestSshd } from '../../../helpers/sshd.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

let h: Harness
let sshd: TestSshd
afterEach(async () => {
  await sshd?.close()
  await h?.close()
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

describe('sources: sftp pulls from a real sshd', () => {
  it('ingests a new file once (sha256 sidecar checked), moves it to processed/, and a second run ingests nothing', async () => {
    h = await createHarness()
    sshd = await startSshd()
    const out = join(sshd.dir, 'out')
    await mkdir(out)
    const csv = `${ACME_HEADER}\n${acmeRows(30)}`
    await writeFile(join(out, 'day1.csv'), csv)
    await writeFile(join(out, 'day1.csv.sha256'), `${createHash('sha256').update(csv).digest('hex')}  day1.csv\n`)
    const cfg = config()
    const src: FileSource = { ...cfg, prefix: `${cfg.path}/`, name: 'acme-sftp', provider: 'acme', mapping: ACME }
    const env: FilePullEnv = { batch: h.env, checkpoints: createFileCheckpoints(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't' }
    const store = await connectSftp(cfg, { KEY: sshd.clientKey })
    try {
      expect(await pullFiles(env, src, store)).toMatchObject({ outcome: 'done', files: 1, rows: 30, published: 30 })
      expect(await pullFiles(env, src, store)).toMatchObject({ outcome: 'nothing_new', files: 0 })
    } finally {
      await store.close()
    }
    expect(h.transactions()).toHaveLength(30)
    expect((await readdir(join(out, 'processed'))).sort()).toEqual(['day1.csv', 'day1.csv.sha256'])
    expect(await readdir(out)).toEqual(['processed'])
  })

  it('refuses a host key that is not pinned, naming the fingerprint it saw', async () => {
    sshd = await startSshd()
    const other = `SHA256:${'A'.repeat(43)}`
    await expect(connectSftp(config({ host_key_sha256: [other] }), { KEY: sshd.clientKey })).rejects.toThrow(`host key ${sshd.hostFingerprint} is not pinned`)
  })

  it('a source with no pinned key and no insecure opt-in is a config error', () => {
    expect(() => SftpSchema.parse({ kind: 'sftp', host: 'h', username: 'u', password_env: 'P' })).toThrow(/insecure_accept_any_host_key/)
  })
})
