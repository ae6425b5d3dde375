import { describe, expect, it } from 'vitest'
import { createKeyTable } from '../../src/batch/key-table.ts'

describe('batch: key fingerprint table', () => {
  it('finds what was inserted and nothing else, over 400 000 similar keys', () => {
    const t = createKeyTable(200_000)
    // Keys that differ in one character, in order, in length, or only past the 16th character.
    const key = (i: number) => `stripe:txn_${i.toString(36).padStart(8, '0')}${i % 7 === 0 ? '-x' : ''}`
    for (let i = 0; i < 200_000; i++) {
      expect(t.find(key(i))).toBe(-1)
      t.insert(i + 1)
    }
    for (let i = 0; i < 200_000; i++) expect(t.value(t.find(key(i)))).toBe(i + 1)
    for (let i = 200_000; i < 400_000; i++) expect(t.find(key(i))).toBe(-1)
    for (const k of ['', 'a', 'ab', 'ba', 'stripe:', 'stripe:txn_', 'é', '😀']) expect(t.find(k)).toBe(-1)
    expect(t.used).toBe(200_000)
  }, 120_000) // 600 000 lookups with expect() each: seconds alone, far more on a loaded machine

  it('updates in place, refuses more keys than it was made for, and forgets all on clear', () => {
    const t = createKeyTable(2)
    t.find('a')
    t.insert(5)
    t.set(t.find('a'), -7)
    expect(t.value(t.find('a'))).toBe(-7)
    t.find('b')
    t.insert(1)
    expect(t.find('c')).toBe(-1)
    expect(() => t.insert(1)).toThrow(/full/)
    t.clear()
    expect(t.find('a')).toBe(-1)
    expect(t.used).toBe(0)
  })
})
