/** A real S3 API (s3rver) on a free port with one bucket, files in a temp dir. */
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver'

export type TestS3 = {
  endpoint: string
  bucket: string
  client: S3Client
  put(key: string, body: string | Uint8Array): Promise<void>
  close(): Promise<void>
}

type Server = { run(): Promise<AddressInfo>; close(): Promise<void> }

export async function startS3(bucket = 'drops'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const Ctor = S3rver as unknown as new (o: Record<string, unknown>) => Server
  const server = new Ctor({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] })
  const addr = await server.run()
  const endpoint = `http://127.0.0.1:${addr.port}`
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  return {
    endpoint,
    bucket,
    client,
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
    },
    async close() {
      client.destroy()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
