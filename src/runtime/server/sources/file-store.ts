/** @module The port a file-fetching source kind implements (S3, SFTP): list, stat, stream one file to disk, read a sidecar, move. */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export type RemoteFile = {
  /** The full remote key or path. */
  key: string
  size: number
  modified: Date
  /** The store's version tag (S3 ETag), when it has one. */
  etag?: string
}

/** What a download wrote: its size and MD5 (for a `.md5` sidecar), and the version the store served. */
export type Fetched = { bytes: number; md5: string; etag?: string }

export type FileStore = {
  /** Files directly under the configured folder/prefix (not under the archive folders). */
  list(): Promise<RemoteFile[]>
  /** One file's size, time and version now; undefined when it is gone. */
  stat(key: string): Promise<RemoteFile | undefined>
  /** Streams `key` to the local path `dest`; never holds the whole file in memory. */
  download(key: string, dest: string): Promise<Fetched>
  /** A small text file (a `.sha256` sidecar); undefined when absent. */
  readText(key: string): Promise<string | undefined>
  move(from: string, to: string): Promise<void>
  close(): Promise<void>
}

/** Writes a remote stream to `dest` (undefined: only reads it), counting bytes and hashing MD5 on the way (no second read). */
export async function saveStream(source: Readable, dest: string | undefined): Promise<Omit<Fetched, 'etag'>> {
  const md5 = createHash('md5')
  let bytes = 0
  const tap = async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      md5.update(chunk)
      bytes += chunk.length
      yield chunk
    }
  }
  if (dest === undefined) for await (const _ of tap(source)) void _
  else await pipeline(source, tap, createWriteStream(dest))
  return { bytes, md5: md5.digest('hex') }
}
