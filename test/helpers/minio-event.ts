/** MinIO's webhook body for a put (test/fixtures/s3-events/), for one key with the uploaded object's size and ETag. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

const FIXTURE = new URL('../fixtures/s3-events/minio-object-created.json', import.meta.url)

export function minioCreated(bucket: string, key: string, body: string): Record<string, unknown> {
  const n = JSON.parse(readFileSync(FIXTURE, 'utf8'))
  const record = n.Records[0]
  // As MinIO writes it (Go's url.QueryEscape): "/" → %2F, a space → "+".
  record.s3.object.key = encodeURIComponent(key).replaceAll('%20', '+')
  record.s3.object.size = Buffer.byteLength(body)
  record.s3.object.eTag = createHash('md5').update(body).digest('hex')
  record.s3.bucket.name = bucket
  n.Key = `${bucket}/${key}`
  return n
}
