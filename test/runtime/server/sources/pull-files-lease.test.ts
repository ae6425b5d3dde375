/**
 * A file pull holds its source's lease for as long as it runs, however long one file takes to
 * ingest, so a second instance is told "locked" rather than pulling the same file beside it; and
 * once the run ends the lease is free at once.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import type { FileStore } from '../../../../src/runtime/server/sources/file-store.ts'
import { pullFiles, type FileSource } from '../../../../src/runtime/server/sources/pull-files.ts'
import type { Checkpoints } from '../../../../src/sources/checkpoints.ts'
import { FILE_KINDS, type FileKind } from '../../../helpers/file-kinds.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

let k: FileKind | undefined
let h: Harness | undefined
let store: FileStore | undefined
afterEach(async () => {
  await store?.close()
  await k?.close()
  await h?.close()
})

describe('sources: a file pull keeps its lease while it runs (sftp, real sshd)', { timeout: 60_000 }, () => {
  it('a second holder is refused throughout a file that takes several lease TTLs to ingest, and gets the lease once the pull ends', async () => {
    k = await FILE_KINDS.sftp()
    await k.put('day1.csv', `${ACME_HEADER}\n${acmeRows(1000)}`)
    const dir = await tempDir('pull-lease')
    const checkpoints = createFileCheckpoints(join(dir, 'sources'))
    // Each chunk's checkpoint takes 400 ms: the file's 10 chunks take ~4 s, about 4 lease TTLs.
    const slow: Checkpoints = { ...checkpoints, setFileProgress: async (s, i, p) => (await new Promise((r) => setTimeout(r, 400)), checkpoints.setFileProgress(s, i, p)) }
    h = await createHarness({ chunkSize: 100 })
    const opened = await k.open()
    store = opened.store
    const src: FileSource = { name: 'acme-files', provider: 'acme', mapping: ACME, prefix: k.prefix, glob: '*.csv', min_age_s: 0, archive: opened.archive }
    const ttl = 1000
    const pulling = pullFiles({ batch: h.env, checkpoints: slow, stagingDir: join(dir, 'staging'), holder: 'first', leaseTtlMs: ttl }, src, store)
    const tries: boolean[] = []
    let finished = false
    void pulling.finally(() => (finished = true))
    while (!finished) {
      await new Promise((r) => setTimeout(r, ttl))
      if (finished) break
      const got = await checkpoints.acquireLease('acme-files', 'second', ttl)
      // Taken just as the pull released it at its end: not a try during the run.
      if (!finished) tries.push(got)
    }
    const result = await pulling
    expect(result).toMatchObject({ outcome: 'done', files: 1, rows: 1000, published: 1000 })
    expect(tries.length).toBeGreaterThanOrEqual(3)
    expect(tries.every((got) => !got)).toBe(true)
    expect(await checkpoints.acquireLease('acme-files', 'second', ttl)).toBe(true)
  })
})
