/** @module A window of Parquet rows as objects, read one column at a time so only one column's pages are decoded at once. */
import { parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet'

/**
 * Rows `start`..`end` (exclusive) as objects keyed by top-level column, in schema order, with
 * the values hyparquet gives (the same as `parquetReadObjects`).
 *
 * hyparquet decodes whole pages, and a page can hold 100 000–400 000 short values (writers that
 * cap pages by bytes alone, like hyparquet-writer's 1 MB): all columns at once, one 50 000-row
 * read of a 500 000-row group held ~250 MB of heap. Column by column, each column's pages are
 * cut to the window and dropped before the next column is decoded.
 */
export async function readParquetWindow(
  file: AsyncBuffer,
  metadata: FileMetaData,
  start: number,
  end: number,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = Array.from({ length: end - start }, () => ({}))
  for (const column of parquetSchema(metadata).children) {
    const name = column.element.name
    await parquetRead({
      file,
      metadata,
      columns: [name],
      rowStart: start,
      rowEnd: end,
      // Chunks are whole pages, which may start before the window and end after it.
      onChunk: ({ columnData, rowStart }) => {
        const from = Math.max(start, rowStart)
        const to = Math.min(end, rowStart + columnData.length)
        for (let at = from; at < to; at++) (rows[at - start] as Record<string, unknown>)[name] = columnData[at - rowStart]
      },
    })
  }
  return rows
}
