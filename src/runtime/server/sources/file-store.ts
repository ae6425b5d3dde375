/** @module The port a file-fetching source kind implements (S3, SFTP): list, stream one file to disk, read a sidecar, move. */

export type RemoteFile = {
  /** The full remote key or path. */
  key: string
  size: number
  modified: Date
  /** The store's version tag (S3 ETag), when it has one. */
  etag?: string
}

export type FileStore = {
  /** Files directly under the configured folder/prefix (not under the archive folders). */
  list(): Promise<RemoteFile[]>
  /** Streams `key` to the local path `dest`; never holds the whole file in memory. */
  download(key: string, dest: string): Promise<void>
  /** A small text file (a `.sha256` sidecar); undefined when absent. */
  readText(key: string): Promise<string | undefined>
  move(from: string, to: string): Promise<void>
  close(): Promise<void>
}
