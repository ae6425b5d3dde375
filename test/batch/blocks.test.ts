import { describe, expect, it } from 'vitest'
import { BlockTooLarge, splitBlocks, type Block } from '../../src/batch/blocks.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = enc.encode(text)
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
async function collect(it: AsyncIterable<Block>): Promise<Block[]> {
  const out: Block[] = []
  for await (const b of it) out.push(b)
  return out
}

describe('batch: splitting into blocks of whole records', () => {
  const csv = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `r${i},"multi\nline ""${i}"""\n` : `r${i},plain\n`)).join('')

  it('never cuts inside a quoted field, whatever the chunk boundaries', async () => {
    for (const size of [1, 7, 64, 1000]) {
      const blocks = await collect(splitBlocks(chunked(csv, size), { quoted: true, targetBytes: 50 }))
      expect(blocks.length).toBeGreaterThan(1)
      expect(blocks.map((b) => dec.decode(b.bytes)).join('')).toBe(csv)
      for (const b of blocks) {
        const text = dec.decode(b.bytes)
        expect((text.match(/"/g) ?? []).length % 2).toBe(0)
        expect(text.endsWith('\n')).toBe(true)
      }
    }
  })

  it('numbers each block by the file line it starts on', async () => {
    const blocks = await collect(splitBlocks(chunked(csv, 13), { quoted: true, targetBytes: 40, firstLine: 2 }))
    let line = 2
    for (const b of blocks) {
      expect(b.firstLine).toBe(line)
      line += (dec.decode(b.bytes).match(/\n/g) ?? []).length
    }
  })

  it('refuses a stream whose records never end within the bound', async () => {
    const open = 'a,"' + 'x'.repeat(5000)
    await expect(collect(splitBlocks(chunked(open, 100), { quoted: true, maxBytes: 1000 }))).rejects.toBeInstanceOf(BlockTooLarge)
  })
})
