/**
 * Hostile files for the batch path (fast-check): random CSV/NDJSON blocks never throw, and the
 * integrity gate answers every random, mutated or truncated file (plain, gzip, Parquet, gzip'd
 * Parquet) with an inspection or a refusal — never a rejection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectFile } from '../../src/runtime/server/batch/integrity.ts'
import { parseCsvBlock, parseNdjsonBlock } from '../../src/runtime/server/batch/parse-block.ts'

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const dir = await mkdtemp(join(tmpdir(), 'txgate-fuzz-batch-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

const enc = new TextEncoder()
const csvText = fc
  .array(
    fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', '"a,b"', '\r', '\n', ',', ';')), {
      maxLength: 6,
    }),
    { maxLength: 20 },
  )
  .map((rows) => rows.map((r) => r.join(',')).join('\n'))
const ndjsonText = fc
  .array(fc.oneof(fc.json(), fc.string({ maxLength: 40 }), fc.constant('{"a":'), fc.constant('[1]')), { maxLength: 20 })
  .map((lines) => lines.join('\n'))

const parquet = new Uint8Array(
  parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: 200 }, (_, i) => `tx_${i}`), type: 'STRING' },
      { name: 'amount', data: Array.from({ length: 200 }, (_, i) => BigInt(i * 100)), type: 'INT64' },
    ],
  }),
)
const samples = {
  parquet,
  gzParquet: new Uint8Array(gzipSync(parquet)),
  gzCsv: new Uint8Array(gzipSync('id,amount\ntx_1,100\ntx_2,200\n')),
}

let n = 0
async function inspect(bytes: Uint8Array, name: string) {
  const path = join(dir, `f${n++}-${name}`)
  await writeFile(path, bytes)
  const out = await inspectFile(path, { name, tmpDir: dir })
  await rm(path, { force: true })
  if (out.ok && out.parquetPath) await rm(out.parquetPath, { force: true })
  return out
}

describe('fuzz: batch parsers', () => {
  it('parses any CSV or NDJSON block into rows or bad rows without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(csvText.map((t) => enc.encode(t)), ndjsonText.map((t) => enc.encode(t)), fc.uint8Array({ maxLength: 1024 })),
        fc.constantFrom(',', ';', '\t', '|'),
        fc.option(fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 5 }), { nil: undefined }),
        (bytes, delimiter, header) => {
          const csv = parseCsvBlock(bytes, 1, { delimiter, header })
          const ndjson = parseNdjsonBlock(bytes, 1)
          for (const row of [...csv, ...ndjson]) expect(row.line).toBeGreaterThanOrEqual(1)
        },
      ),
      { numRuns: NUM_RUNS * 3 },
    )
  })

  it('inspects random, mutated and truncated files (gzip, Parquet, gzip Parquet) without rejecting', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('parquet', 'gzParquet', 'gzCsv', 'random'),
        fc.constantFrom('truncate', 'flip', 'none'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('x.parquet', 'x.parquet.gz', 'x.csv.gz', 'x.ndjson', 'x'),
        async (kind, how, at, xor, random, name) => {
          let bytes = kind === 'random' ? random : samples[kind].slice()
          if (bytes.length > 0 && how === 'truncate') bytes = bytes.subarray(0, at % bytes.length)
          if (bytes.length > 0 && how === 'flip') bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor
          const out = await inspect(bytes, name)
          if (!out.ok) expect(out.reason).toEqual(expect.any(String))
        },
      ),
      { numRuns: NUM_RUNS },
    )
  })
})
