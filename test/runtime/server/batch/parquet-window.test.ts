import { parquetMetadata, parquetReadObjects, type AsyncBuffer } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { readParquetWindow } from '../../../../src/runtime/server/batch/parquet-window.ts'

describe('batch: a window of Parquet rows, read column by column', () => {
  it('gives the rows parquetReadObjects gives, for windows that start and end inside pages', async () => {
    const n = 5_000
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Array.from({ length: n }, (_, i) => `row_${i}`), type: 'STRING' },
        { name: 'amount', data: Array.from({ length: n }, (_, i) => BigInt(i * 7)), type: 'INT64' },
        { name: 'at', data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, 0, 0, i))), type: 'TIMESTAMP' },
        { name: 'note', data: Array.from({ length: n }, (_, i) => (i % 3 ? `n${i}` : null)), type: 'STRING', nullable: true },
      ],
      rowGroupSize: 2_000,
      pageSize: 1_024, // many pages a group, so windows cut through them
    })
    const metadata = parquetMetadata(buffer)
    const file: AsyncBuffer = { byteLength: buffer.byteLength, slice: (a, b) => buffer.slice(a, b) }
    for (const [start, end] of [[0, 2_000], [137, 1_650], [1_999, 2_001], [2_500, 4_999]] as const) {
      const expected = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end })
      const rows = await readParquetWindow(file, metadata, start, end)
      expect(rows).toHaveLength(end - start)
      expect(rows).toEqual(expected)
    }
  })
})
