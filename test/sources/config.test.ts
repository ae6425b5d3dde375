import { describe, expect, it } from 'vitest'
import { loadSources, parseSources, SourcesConfigError } from '../../src/sources/config.ts'

const GOOD = `sources:
  mahak:
    kind: http-poll
    provider: mahak
    url: https://mahak.example/api/v1/transactions
    items: data
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    auth: { type: bearer, token_env: MAHAK_TOKEN }
    schedule: "*/5 * * * *"
`

describe('sources: sources.yaml', () => {
  it('reads a source with its defaults filled in', () => {
    const [s] = parseSources(GOOD)
    expect(s).toMatchObject({
      name: 'mahak',
      kind: 'http-poll',
      page_size: 500,
      cursor: { type: 'row_version', start: '0' },
      auth: { type: 'bearer', token_env: 'MAHAK_TOKEN' },
      soft_delete: { field: 'deleted', action: 'status', status: 'voided' },
    })
  })

  it('names the file, line, source and field of a missing or wrong value', () => {
    const bad = GOOD.replace('param: fromRowVersion, ', '').replace('token_env: MAHAK_TOKEN', 'token_env: s3cr3t-token')
    let err: unknown
    try {
      parseSources(bad, 'sources.yaml')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SourcesConfigError)
    const msg = (err as Error).message
    expect(msg).toMatch(/^sources\.yaml:7: source "mahak", field cursor\.param: /m)
    expect(msg).toMatch(/^sources\.yaml:8: source "mahak", field auth\.token_env: an environment variable name/m)
  })

  it('refuses an unknown kind and a typo in a field name', () => {
    expect(() => parseSources('sources:\n  x:\n    kind: ftp\n    provider: a\n')).toThrow(/sources\.yaml:3: source "x", field kind: /)
    expect(() => parseSources(GOOD.replace('items: data', 'itemz: data'))).toThrow(/source "mahak", field \(root\): Unrecognized key: "itemz"/)
  })

  it('reports broken YAML with its line', () => {
    expect(() => parseSources('sources:\n  a: [1, 2\n', 'mine.yaml')).toThrow(/^mine\.yaml:\d+: not valid YAML/)
  })

  it('has no sources when the default file is absent, but an explicit missing file is an error', async () => {
    const missing = async () => Promise.reject(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }))
    expect(await loadSources({}, missing)).toEqual([])
    await expect(loadSources({ TXGATE_SOURCES: '/etc/txgate/sources.yaml' }, missing)).rejects.toThrow(/sources\.yaml: ENOENT/)
  })
})

describe('sources.yaml: file kinds', () => {
  it('refuses an sftp source with neither a pinned host key nor the insecure flag, naming the line', () => {
    const yaml = ['sources:', '  bank:', '    kind: sftp', '    provider: acme', '    host: sftp.bank.test', '    username: u', '    password_env: PW'].join('\n')
    expect(() => parseSources(yaml)).toThrow(/sources\.yaml:\d+: source "bank", field host_key_sha256: pin the host key/)
  })
})
