import { describe, expect, it } from 'vitest'
import { uuidv7 } from '../../src/message/uuidv7.ts'

describe('message: uuidv7', () => {
  it('is a version 7, variant 10 UUID carrying the millisecond time', () => {
    const ms = Date.UTC(2026, 10, 22, 12, 0, 0, 123)
    const id = uuidv7(ms)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms)
  })

  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7(1)))).toHaveProperty('size', 10_000)
  })
})
