/**
 * A file pull that stops mid-file (here: its checkpoint write fails after a chunk was published,
 * as a kill -9 in that window would leave it) resumes in a fresh process where it stopped: the
 * rows before the checkpoint are not published again, and the chunk published but not
 * checkpointed goes out again under the same event ids. With real processes and kill -9: pull-kill.test.ts.
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

const harnesses: Harness[] = []
let k: FileKind | undefined
const stores: FileStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  await k?.close()
  for (const h of harnesses.splice(0)) await h.close()
})

describe('sources: a file pull resumes after its last checkpoint (sftp, real sshd)', { timeout: 60_000 }, () => {
  it('publishes every row, the rows of the chunk published but not checkpointed again under the same event ids, and ends done', async () => {
    k = await FILE_KINDS.sftp()
    await k.put('day1.csv', `${ACME_HEADER}\n${acmeRows(1000)}`)
    const dir = await tempDir('pull-resume')
    const checkpoints = createFileCheckpoints(join(dir, 'sources'))
    const attempt = async (cp: Checkpoints) => {
      // A new harness is a new process: an empty in-process dedupe table, another clock reading.
      const h = await createHarness({ chunkSize: 100 })
      harnesses.push(h)
      const opened = await (k as FileKind).open()
      stores.push(opened.store)
      const src: FileSource = { name: 'acme-files', provider: 'acme', mapping: ACME, prefix: (k as FileKind).prefix, glob: '*.csv', min_age_s: 0, archive: opened.archive }
      const result = await pullFiles({ batch: h.env, checkpoints: cp, stagingDir: join(dir, 'staging'), holder: 't' }, src, opened.store)
      return { result, published: h.transactions() }
    }
    // Writes: the resume point, then one per chunk; the fourth (after chunk 3) is lost.
    let writes = 0
    const crashing: Checkpoints = {
      ...checkpoints,
      setFileProgress: async (s, i, p) => (++writes === 4 ? Promise.reject(new Error('killed')) : checkpoints.setFileProgress(s, i, p)),
    }
    const first = await attempt(crashing)
    expect(first.result).toMatchObject({ outcome: 'failed', files: 0 })
    expect(first.published).toHaveLength(300)
    expect(await checkpoints.getFileProgress('acme-files', (await checkpoints.listJobs('acme-files'))[0]!.item)).toMatchObject({ records: 200, published: 200 })

    const second = await attempt(checkpoints)
    expect(second.result).toMatchObject({ outcome: 'done', files: 1, rows: 1000, published: 1000 })
    expect(second.published).toHaveLength(800)

    const all = [...first.published, ...second.published]
    const idsByTxn = new Map<string, Set<string>>()
    for (const m of all) {
      const ids = idsByTxn.get(m['transaction_id'] as string) ?? new Set<string>()
      ids.add(m['event_id'] as string)
      idsByTxn.set(m['transaction_id'] as string, ids)
    }
    expect(idsByTxn.size).toBe(1000)
    expect([...idsByTxn.values()].every((ids) => ids.size === 1)).toBe(true)
    // Published twice, same event id: exactly the chunk between the lost checkpoint and the kill.
    const twice = [...first.published].filter((m) => second.published.some((n) => n['event_id'] === m['event_id']))
    expect(twice.map((m) => m['transaction_id'])).toEqual(Array.from({ length: 100 }, (_, i) => `T${200 + i}`))
    expect(new Set(all.map((m) => m['ingestion_timestamp'])).size).toBe(1)

    const [job] = await checkpoints.listJobs('acme-files')
    expect(job).toMatchObject({ status: 'done', rows: 1000, published: 1000 })
    expect(await checkpoints.getFileProgress('acme-files', job!.item)).toBeUndefined()
    expect(await k.files()).toEqual(['processed/day1.csv'])
  })
})
