import { describe, expect, it } from 'vitest'
import { fromUnixMillis, parseRfc3339, parseTimestamp } from '../../src/message/timestamp.ts'

describe('message: timestamp', () => {
  it('parses RFC 3339 with Z, offsets and fractions to the right instant', () => {
    expect(parseRfc3339('2019-02-14T21:50:07.940Z')?.toISOString()).toBe('2019-02-14T21:50:07.940Z')
    expect(parseRfc3339('2017-01-19T16:42:03+01:00')?.toISOString()).toBe('2017-01-19T15:42:03.000Z')
    expect(parseRfc3339('2024-12-16T15:59:04.0Z')?.toISOString()).toBe('2024-12-16T15:59:04.000Z')
  })

  it.each(['2019-02-14', '2019-02-14T21:50:07', '2023-02-30T00:00:00Z', '2019-13-01T00:00:00Z', 'yesterday', '1700000000x'])(
    'refuses %j',
    (value) => {
      expect(parseRfc3339(value)).toBeUndefined()
    },
  )

  it('takes Unix seconds as numbers or digit strings', () => {
    expect(parseTimestamp(1679493231)?.toISOString()).toBe('2023-03-22T13:53:51.000Z')
    expect(parseTimestamp('1679493231')?.toISOString()).toBe('2023-03-22T13:53:51.000Z')
    expect(fromUnixMillis(1679493231123)?.toISOString()).toBe('2023-03-22T13:53:51.123Z')
  })
})
