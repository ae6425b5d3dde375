import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/observability/log.ts'

describe('observability: log lines', () => {
  it("stamp each line with the clock's instant as ISO 8601 UTC to the millisecond", () => {
    let now = 0
    const lines: string[] = []
    const log = createLogger('info', (l) => lines.push(l), () => now)
    const instants = [
      0, 1, 9, 10, 99, 100, 999, 1000, 1001.7, 59_999, 60_000, Date.UTC(2026, 11, 7, 23, 59, 59, 999),
      Date.UTC(2026, 11, 8, 0, 0, 0, 5), Date.UTC(2026, 11, 8, 0, 0, 0, 50), Date.UTC(2026, 11, 8, 0, 0, 0, 5),
      -1, -1500, 253_402_300_799_999, 253_402_300_800_000,
    ]
    for (const at of instants) {
      now = at
      log.info('tick')
      expect(JSON.parse(lines.at(-1) ?? '{}').time).toBe(new Date(at).toISOString())
    }
  })
})
