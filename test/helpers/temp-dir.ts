import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Directories made by this test file; test/setup/remove-temp-dirs.ts removes them after its last
// hook, so gateways and writers closed in afterAll are gone before their directories are.
const made = new Set<string>()

/** A fresh directory under the OS temp dir, named `txgate-<label>-*`, removed after the file. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `txgate-${label}-`))
  made.add(dir)
  return dir
}

export async function removeTempDirs(): Promise<void> {
  const dirs = [...made]
  made.clear()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
}
