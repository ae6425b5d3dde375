/**
 * @module S3 / MinIO bucket notifications (the `Records` format) → the objects they name.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * MinIO's webhook target posts the same records, plus `EventName` and `Key` at the top.
 */
import { z } from 'zod'

/** One record, decoded: the key as stored (S3 sends it URL-encoded, a space as `+`). */
export type ObjectEvent = {
  eventName: string
  /** `s3:ObjectCreated:*` (MinIO) or `ObjectCreated:*` (AWS): the only events that start an ingest. */
  created: boolean
  bucket: string
  key: string
  size?: number
  etag?: string
  versionId?: string
}

const RecordSchema = z.object({
  eventName: z.string().min(1),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().min(0).optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
})

const NotificationSchema = z.object({ Records: z.array(RecordSchema).max(1000) })

export type ParsedNotification = { ok: true; events: ObjectEvent[] } | { ok: false; reason: string }

export function parseS3Notification(body: unknown): ParsedNotification {
  // AWS sends this once when a notification target is configured; it names no object.
  if ((body as { Event?: unknown } | null)?.Event === 's3:TestEvent') return { ok: true, events: [] }
  const parsed = NotificationSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: `not an S3 event notification: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` }
  }
  const events: ObjectEvent[] = []
  for (const [i, r] of parsed.data.Records.entries()) {
    const key = decodeKey(r.s3.object.key)
    if (key === undefined) return { ok: false, reason: `Records.${i}.s3.object.key: not URL-encoded text` }
    const { size, eTag, versionId } = r.s3.object
    events.push({
      eventName: r.eventName,
      created: /^(s3:)?ObjectCreated:/.test(r.eventName),
      bucket: r.s3.bucket.name,
      key,
      ...(size !== undefined ? { size } : {}),
      ...(eTag ? { etag: eTag.replaceAll('"', '') } : {}),
      ...(versionId ? { versionId } : {}),
    })
  }
  return { ok: true, events }
}

/** Form encoding (`+` is a space, `%2B` a plus), as S3 and MinIO (Go's url.QueryEscape) write it. */
function decodeKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}
