import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileHealthStore, createPgHealthStore } from '../../../../src/runtime/server/sources/health-store.ts'
import type { HealthStore, SourceHealth } from '../../../../src/sources/breaker.ts'
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

let db: TestDatabase

const terminal: SourceHealth = { state: 'terminal', failures: 1, since: '2026-12-07T12:00:00.000Z', lastError: 'sftp: authentication refused', config: 'abc123' }
const open: SourceHealth = { state: 'open', failures: 5, since: '2026-12-07T12:00:00.000Z', retryAt: '2026-12-07T12:05:00.000Z', lastError: 'HTTP 500' }

/** What a restart or a second instance reads is what the first one wrote. */
function suite(name: string, make: () => Promise<{ a: HealthStore; b: () => Promise<HealthStore> }>) {
  it(`keeps each source's state across instances and restarts (${name})`, async () => {
    const { a, b } = await make()
    expect(await a.get('sftp-drops')).toBeUndefined()
    await a.set('sftp-drops', terminal)
    await a.set('mahak', open)
    await a.close()
    const other = await b()
    expect(await other.get('sftp-drops')).toEqual(terminal)
    expect(await other.get('mahak')).toEqual(open)
    await other.set('mahak', { state: 'closed', failures: 0, since: '2026-12-07T12:06:00.000Z' })
    expect(await other.get('mahak')).toEqual({ state: 'closed', failures: 0, since: '2026-12-07T12:06:00.000Z' })
    await other.close()
  })
}

describe('sources: breaker state store', () => {
  beforeAll(async () => {
    db = await createTestDatabase('health')
  })
  afterAll(() => db.drop())
  suite('file', async () => {
    const dir = await tempDir('health')
    return { a: createFileHealthStore(dir), b: async () => createFileHealthStore(dir) }
  })
  suite('postgres', async () => {
    const [a] = await Promise.all([createPgHealthStore(db.url), createPgHealthStore(db.url).then((x) => x.close())])
    return { a: a!, b: () => createPgHealthStore(db.url) }
  })
})
