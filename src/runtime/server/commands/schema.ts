/** @module `txgate schema`: the JSON Schema of TransactionMessage v1 (or of the DLQ record). */
import { z } from 'zod'
import { DlqMessage, transactionMessageJsonSchema } from '../../../message/schema.ts'
import type { Command } from '../cli.ts'

export const schemaCommand: Command = {
  summary: 'print the JSON Schema of TransactionMessage v1 (--dlq: of the DLQ record)',
  async run(args) {
    const schema = args.includes('--dlq') ? z.toJSONSchema(DlqMessage) : transactionMessageJsonSchema()
    process.stdout.write(JSON.stringify(schema, null, 2) + '\n')
    return 0
  },
}
