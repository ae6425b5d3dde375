/**
 * @module Which pull errors are permanent: retrying on schedule cannot fix them, an operator must
 * (credentials refused, a folder, bucket or endpoint that does not exist, a host key not pinned).
 * Everything else (refused connections, timeouts, 5xx, a page that fails to parse) counts toward the breaker.
 */

/** Thrown where txgate itself knows the cause is the configuration or the credentials. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError'
}

/** S3 error names that mean wrong credentials, no permission, no such bucket or the bucket's region is not the configured one. */
const S3_TERMINAL = new Set(['NoSuchBucket', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidBucketName', 'AllAccessDisabled', 'AuthorizationHeaderMalformed', 'InvalidToken', 'ExpiredToken', 'PermanentRedirect'])

export function isTerminal(err: unknown): boolean {
  if (err instanceof TerminalError) return true
  if (typeof err !== 'object' || err === null) return false
  const e = err as { name?: unknown; message?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } }
  // @aws-sdk/client-s3: a named service error, or a bare 401/403/404 from a listing.
  if (typeof e.name === 'string' && S3_TERMINAL.has(e.name)) return true
  if (e.$metadata && [401, 403, 404].includes(Number(e.$metadata.httpStatusCode))) return true
  const message = typeof e.message === 'string' ? e.message : ''
  // ssh2: the server refused every credential we offered.
  if (/All configured authentication methods failed|Authentication failure/i.test(message)) return true
  // ssh2-sftp-client: SFTP status 2 (no such file: the folder) and 3 (permission denied) on list.
  if ((e.code === 2 || e.code === 3) && /^list:/.test(message)) return true
  return false
}
