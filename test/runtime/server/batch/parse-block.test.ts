import { describe, expect, it } from 'vitest'
import { parseCsvBlock, parseNdjsonBlock } from '../../../../src/runtime/server/batch/parse-block.ts'

const enc = (s: string) => new TextEncoder().encode(s)

describe('batch: parsing a block', () => {
  it('turns a stray quote into one bad row and keeps the rows after it', () => {
    const rows = parseCsvBlock(enc('1,2\n4,"5"x\n6,7\r\n8,"9\r\nz"\r\n10,11'), 10, { delimiter: ',', header: ['a', 'b'] })
    expect(rows).toEqual([
      { line: 10, record: { a: '1', b: '2' } },
      { line: 11, bad: expect.stringMatching(/^Invalid Closing Quote/), raw: '4,"5"x' },
      { line: 12, record: { a: '6', b: '7' } },
      { line: 13, record: { a: '8', b: '9\r\nz' } },
      { line: 15, record: { a: '10', b: '11' } },
    ])
    expect((rows[1] as { bad: string }).bad).not.toMatch(/at line/)
  })

  it('names a headerless file\'s columns by position', () => {
    expect(parseCsvBlock(enc('x;y\n'), 1, { delimiter: ';', header: undefined })).toEqual([
      { line: 1, record: { '1': 'x', '2': 'y' } },
    ])
  })

  it('keeps a column named __proto__ as data', () => {
    const [row] = parseCsvBlock(enc('evil\n'), 1, { delimiter: ',', header: ['__proto__'] })
    expect(row && 'record' in row && Object.keys(row.record)).toEqual(['__proto__'])
  })

  it('reads a block without quotes (the fast path) exactly as csv-parse does: blank lines, short and long rows, UTF-8', () => {
    const layout = { delimiter: ',', header: ['a', 'b'] }
    for (const eol of ['\n', '\r\n']) {
      const plain = ['1,2', '', '3,4', '5', '6,7,8', 'ü,€', '9,', ''].join(eol)
      const fast = parseCsvBlock(enc(plain), 5, layout)
      // A quoted field on an extra last line sends the whole block through csv-parse.
      const viaCsvParse = parseCsvBlock(enc(plain + `q,"r"${eol}`), 5, layout)
      expect(fast).toEqual(viaCsvParse.slice(0, -1))
      expect(fast).toEqual([
        { line: 5, record: { a: '1', b: '2' } },
        { line: 7, record: { a: '3', b: '4' } },
        { line: 8, bad: 'record has 1 fields, the header has 2', raw: ['5'] },
        { line: 9, bad: 'record has 3 fields, the header has 2', raw: ['6', '7', '8'] },
        { line: 10, record: { a: 'ü', b: '€' } },
        { line: 11, record: { a: '9', b: '' } },
      ])
    }
  })

  it('reads NDJSON lines, skipping blank ones, and refuses non-objects', () => {
    const rows = parseNdjsonBlock(enc('{"a":1}\n\n[1]\r\n{"b":2}'), 5)
    expect(rows).toEqual([
      { line: 5, record: { a: 1 }, rawJson: '{"a":1}' },
      { line: 7, bad: 'line is JSON but not an object', raw: '[1]' },
      { line: 8, record: { b: 2 }, rawJson: '{"b":2}' },
    ])
  })
})
