/** The file source kinds (s3 on s3rver, sftp on a real sshd) behind one shape, for the shared conformance suite and the bench. */
import { appendFile, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import type { FileStore } from '../../src/runtime/server/sources/file-store.ts'
import { createS3Store, s3ClientFor } from '../../src/runtime/server/sources/s3-store.ts'
import { connectSftp } from '../../src/runtime/server/sources/sftp-store.ts'
import { S3Schema } from '../../src/sources/kinds/s3.ts'
import { SftpSchema } from '../../src/sources/kinds/sftp.ts'
import { startS3 } from './s3rver.ts'
import { startSshd } from './sshd.ts'

export type FileKind = {
  kind: 's3' | 'sftp'
  /** The folder/prefix the source reads, as its keys start. */
  prefix: string
  /** Writes a file under the source's folder (`rel` may name a subfolder). */
  put(rel: string, body: string | Uint8Array): Promise<void>
  /** Appends to a file (S3: uploads a longer new version). */
  append(rel: string, more: string): Promise<void>
  /** Every file under the folder, relative to it, sorted. */
  files(): Promise<string[]>
  /** Copies a local file under the folder, streaming (for files too big to hold in memory). */
  putFile(rel: string, localPath: string): Promise<void>
  open(archive?: Record<string, unknown>): Promise<{ store: FileStore; archive: ReturnType<typeof S3Schema.parse>['archive'] }>
  /** The source's raw YAML-level config and the environment its secrets are read from (for a child process to open the store itself). */
  settings(archive?: Record<string, unknown>): { config: Record<string, unknown>; env: Record<string, string> }
  close(): Promise<void>
}

export const FILE_KINDS = {
  async s3(): Promise<FileKind> {
    const s3 = await startS3()
    const bodies = new Map<string, string>()
    const prefix = 'in/'
    const settings = (archive: Record<string, unknown> = {}) => ({
      config: { kind: 's3', bucket: s3.bucket, prefix, endpoint: s3.endpoint, force_path_style: true, access_key_id_env: 'AK', secret_access_key_env: 'SK', archive },
      env: { AK: 'S3RVER', SK: 'S3RVER' },
    })
    const put = async (rel: string, body: string | Uint8Array) => {
      if (typeof body === 'string') bodies.set(rel, body)
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: prefix + rel, Body: body }))
    }
    return {
      kind: 's3',
      prefix,
      put,
      append: (rel, more) => put(rel, (bodies.get(rel) ?? '') + more),
      async files() {
        const res = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))
        return (res.Contents ?? []).map((o) => (o.Key ?? '').slice(prefix.length)).sort()
      },
      // A streamed body makes the SDK send aws-chunked with a trailing checksum, which s3rver does not
      // read: the file goes up as one buffer (the uploading process is not the one measured).
      putFile: async (rel, localPath) => put(rel, await readFile(localPath)),
      settings,
      async open(archive = {}) {
        const { config, env } = settings(archive)
        const cfg = S3Schema.parse(config)
        return { store: createS3Store(cfg, s3ClientFor(cfg, env)), archive: cfg.archive }
      },
      close: () => s3.close(),
    }
  },
  async sftp(): Promise<FileKind> {
    const sshd = await startSshd()
    const dir = join(sshd.dir, 'out')
    await mkdir(dir)
    const path = (rel: string) => join(dir, rel)
    const settings = (archive: Record<string, unknown> = {}) => ({
      config: { kind: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, private_key_env: 'KEY', host_key_sha256: [sshd.hostFingerprint], path: dir, archive },
      env: { KEY: sshd.clientKey },
    })
    return {
      kind: 'sftp',
      prefix: `${dir}/`,
      async put(rel, body) {
        await mkdir(join(path(rel), '..'), { recursive: true })
        await writeFile(path(rel), body)
      },
      append: (rel, more) => appendFile(path(rel), more),
      async files() {
        const all = await readdir(dir, { recursive: true, withFileTypes: true })
        return all.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort()
      },
      async putFile(rel, localPath) {
        await mkdir(join(path(rel), '..'), { recursive: true })
        await copyFile(localPath, path(rel))
      },
      settings,
      async open(archive = {}) {
        const { config, env } = settings(archive)
        const cfg = SftpSchema.parse(config)
        return { store: await connectSftp(cfg, env), archive: cfg.archive }
      },
      close: () => sshd.close(),
    }
  },
} satisfies Record<string, () => Promise<FileKind>>
