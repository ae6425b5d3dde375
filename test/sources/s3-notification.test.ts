import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parseS3Notification } from '../../src/sources/s3-notification.ts'

const fixture = async (name: string) => JSON.parse(await readFile(new URL(`../fixtures/s3-events/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>

describe('sources: S3 notification format', () => {
  it('reads MinIO records: the key form-decoded ("+" a space, %2B a plus), the ETag, created or not', async () => {
    const put = await fixture('minio-object-created.json')
    const removed = await fixture('minio-object-removed.json')
    const records = [...(put['Records'] as object[]), ...(removed['Records'] as object[])]
    ;(records[0] as { s3: { object: { key: string } } }).s3.object.key = 'in%2Fa+b%2Bc.csv'
    expect(parseS3Notification({ Records: records })).toEqual({
      ok: true,
      events: [
        { eventName: 's3:ObjectCreated:Put', created: true, bucket: 'drops', key: 'in/a b+c.csv', size: 0, etag: '00000000000000000000000000000000' },
        { eventName: 's3:ObjectRemoved:Delete', created: false, bucket: 'drops', key: 'in/old.csv' },
      ],
    })
  })

  it("takes AWS's event names (no s3: prefix) and its configuration test event", () => {
    const aws = { Records: [{ eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { bucket: { name: 'b' }, object: { key: 'k', size: 3, eTag: '"abc-2"' } } }] }
    expect(parseS3Notification(aws)).toMatchObject({ ok: true, events: [{ created: true, etag: 'abc-2' }] })
    expect(parseS3Notification({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' })).toEqual({ ok: true, events: [] })
  })

  it('refuses what is not a notification, naming the field', () => {
    expect(parseS3Notification({ Records: [{ eventName: 'x' }] })).toMatchObject({ ok: false, reason: expect.stringContaining('Records.0.s3') })
    expect(parseS3Notification([])).toMatchObject({ ok: false })
    expect(parseS3Notification({ Records: [{ eventName: 'x', s3: { bucket: { name: 'b' }, object: { key: '%E0%A4%A' } } }] })).toMatchObject({ ok: false, reason: expect.stringContaining('URL-encoded') })
  })
})
