import { describe, expect, it } from 'vitest'
import { providers } from '../../providers/index.ts'
import { checkMapping, MappingError, parseMappingFile } from '../../src/batch/mapping.ts'

const LEGACY_BANK = `
legacy_bank:                 # provider id
  format: csv
  delimiter: ";"
  header_row: true
  column_mapping:
    transaction_id: "TXN_ID"
    timestamp: "TXN_DATE"
    amount: "AMOUNT"
    currency: "CCY"
    status: "STATE"
    payment_method: "METHOD"
    customer_id: "CUST"
  transformations:
    timestamp: "unix_to_iso8601"
    amount: "decimal_to_minor"
`

describe('batch: mapping files', () => {
  it('reads the YAML shape users write, keyed by provider id', () => {
    const file = parseMappingFile(LEGACY_BANK)
    expect(file['legacy_bank']).toMatchObject({
      format: 'csv',
      delimiter: ';',
      column_mapping: { transaction_id: 'TXN_ID', currency: 'CCY' },
      transformations: { timestamp: 'unix_to_iso8601', amount: 'decimal_to_minor' },
    })
  })

  it('accepts a custom timestamp format', () => {
    const file = parseMappingFile(LEGACY_BANK.replace('"unix_to_iso8601"', '"format:DD/MM/YYYY HH:mm:ss"'))
    expect(file['legacy_bank']?.transformations?.timestamp).toBe('format:DD/MM/YYYY HH:mm:ss')
  })

  it('says which setting is wrong', () => {
    expect(() => parseMappingFile(LEGACY_BANK.replace('"decimal_to_minor"', '"cents"'))).toThrow(
      /legacy_bank\.transformations\.amount/,
    )
    expect(() => parseMappingFile(LEGACY_BANK.replace('    currency: "CCY"\n', ''))).toThrow(
      /currency needs a column or a value under defaults/,
    )
  })

  it('refuses an unknown key instead of ignoring a typo', () => {
    expect(() => parseMappingFile(LEGACY_BANK.replace('header_row', 'headers_row'))).toThrow(MappingError)
  })

  it('refuses text that is not YAML', () => {
    expect(() => parseMappingFile('a: [unclosed')).toThrow(/not valid YAML/)
  })

  it('every provider module with a batch part has a valid mapping', () => {
    const withBatch = providers.filter((p) => p.batch !== undefined)
    expect(withBatch.map((p) => p.id)).toContain('stripe')
    for (const p of withBatch) expect(() => checkMapping(p.id, p.batch)).not.toThrow()
  })
})
