import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { DlqMessage, transactionMessageJsonSchema } from '../../src/message/schema.ts'

// The JSON Schemas shipped in schema/ are what consumers validate against; they must be exactly
// what the zod schema (the source of truth) generates. Regenerate with `npx txgate schema`.
describe('message: published JSON Schemas', () => {
  it('schema/transaction-message.v1.json matches the zod schema', async () => {
    const shipped = JSON.parse(await readFile('schema/transaction-message.v1.json', 'utf8'))
    expect(shipped).toEqual(transactionMessageJsonSchema())
  })

  it('schema/dlq-message.v1.json matches the zod schema', async () => {
    const shipped = JSON.parse(await readFile('schema/dlq-message.v1.json', 'utf8'))
    expect(shipped).toEqual(z.toJSONSchema(DlqMessage))
  })
})
