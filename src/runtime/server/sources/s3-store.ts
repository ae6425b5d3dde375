/** @module FileStore over an S3-compatible bucket: ListObjectsV2, a streamed GetObject, copy + delete to archive. */
import { Readable } from 'node:stream'
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import type { S3Source } from '../../../sources/kinds/s3.ts'
import { saveStream, type FileStore, type RemoteFile } from './file-store.ts'
import { TerminalError } from './terminal.ts'

export function s3ClientFor(src: S3Source, env: Record<string, string | undefined>): S3Client {
  const config: S3ClientConfig = { region: src.region, forcePathStyle: src.force_path_style }
  if (src.endpoint) config.endpoint = src.endpoint
  if (src.access_key_id_env && src.secret_access_key_env) {
    const accessKeyId = env[src.access_key_id_env]
    const secretAccessKey = env[src.secret_access_key_env]
    if (!accessKeyId || !secretAccessKey) throw new TerminalError(`s3 source: ${src.access_key_id_env} and ${src.secret_access_key_env} must be set`)
    config.credentials = { accessKeyId, secretAccessKey }
  }
  return new S3Client(config)
}

export function createS3Store(src: S3Source, client: S3Client): FileStore {
  const archived = [src.archive.processed, src.archive.failed].map((p) => src.prefix + p)
  return {
    async list() {
      const out: RemoteFile[] = []
      let token: string | undefined
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: src.bucket, Prefix: src.prefix, ContinuationToken: token }))
        for (const o of page.Contents ?? []) {
          if (!o.Key || archived.some((a) => o.Key!.startsWith(a))) continue
          out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0), ...(o.ETag ? { etag: unquote(o.ETag) } : {}) })
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return out
    },
    async stat(key) {
      try {
        const o = await client.send(new HeadObjectCommand({ Bucket: src.bucket, Key: key }))
        return { key, size: o.ContentLength ?? 0, modified: o.LastModified ?? new Date(0), ...(o.ETag ? { etag: unquote(o.ETag) } : {}) }
      } catch (err) {
        if (isMissing(err)) return undefined
        throw err
      }
    },
    async download(key, dest) {
      const res = await client.send(new GetObjectCommand({ Bucket: src.bucket, Key: key }))
      if (!(res.Body instanceof Readable)) throw new Error(`s3 object ${key}: no body`)
      return { ...(await saveStream(res.Body, dest)), ...(res.ETag ? { etag: unquote(res.ETag) } : {}) }
    },
    async readText(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: src.bucket, Key: key }))
        return await res.Body?.transformToString()
      } catch (err) {
        if (isMissing(err)) return undefined
        throw err
      }
    },
    async move(from, to) {
      await client.send(new CopyObjectCommand({ Bucket: src.bucket, Key: to, CopySource: `${src.bucket}/${encodeURIComponent(from).replaceAll('%2F', '/')}` }))
      await client.send(new DeleteObjectCommand({ Bucket: src.bucket, Key: from }))
    },
    async close() {
      client.destroy()
    },
  }
}

// --- Internal helpers ---

const unquote = (etag: string) => etag.replaceAll('"', '')

/** GetObject says NoSuchKey; HeadObject has no body, so only NotFound / 404. */
const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404
}
