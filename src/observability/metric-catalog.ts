/** @module Every metric txgate exposes: name, type, help, label names and buckets (data only). */

/** Seconds: from half a millisecond (an in-memory claim) to ten seconds (a Kafka timeout). */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const
const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000] as const

/** Request outcomes: the fixed label set of `txgate_requests_total`. */
export const OUTCOMES = [
  'accepted',
  'duplicate',
  'ignored',
  'dlq',
  'unauthorized',
  'rate_limited',
  'bad_request',
  'too_large',
  'unavailable',
  'in_flight',
  'not_found',
  'error',
] as const
export type Outcome = (typeof OUTCOMES)[number]

export const STAGES = ['verify', 'store', 'publish'] as const
export type Stage = (typeof STAGES)[number]

type LabelSpec = {
  readonly name: string
  /** When given, any other value is recorded as `other`, so no caller can grow the series. */
  readonly values?: readonly string[]
}
type Spec = {
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly help: string
  readonly labels: readonly LabelSpec[]
  readonly buckets?: readonly number[]
}

const UNAUTHORIZED_REASONS = [
  'missing_header',
  'malformed_header',
  'bad_signature',
  'stale_timestamp',
  'future_timestamp',
  'bad_credentials',
  'bad_token',
  'bad_certificate',
  'untrusted_cert_url',
] as const

const provider = { name: 'provider' } as const
/** A queue source's configured name: bounded by sources.yaml. */
const queueSource = { name: 'source' } as const
const publisher = { name: 'publisher' } as const
const store = { name: 'store' } as const
const storeOp = {
  name: 'op',
  values: ['claim', 'commit', 'release', 'limit', 'limit_and_claim'],
} as const

export const CATALOG = {
  // --- Requests (webhook path) ---
  txgate_requests_total: {
    type: 'counter',
    help: 'Requests by provider and outcome; reason is set for unauthorized only.',
    labels: [
      provider,
      { name: 'outcome', values: OUTCOMES },
      { name: 'reason', values: UNAUTHORIZED_REASONS },
    ],
  },
  txgate_tenant_requests_total: {
    type: 'counter',
    help: 'Tenant-route requests by tenant and outcome; at most TXGATE_METRICS_TENANTS_MAX tenants by name, the rest as "other".',
    labels: [{ name: 'tenant' }, { name: 'outcome', values: OUTCOMES }],
  },
  txgate_events_total: {
    type: 'counter',
    help: 'Events (a request may carry several) by provider and outcome.',
    labels: [provider, { name: 'outcome', values: ['accepted', 'duplicate', 'ignored', 'dlq'] }],
  },
  txgate_request_duration_seconds: {
    type: 'histogram',
    help: 'End-to-end request latency per provider, from the first byte read to the answer.',
    labels: [provider],
    buckets: LATENCY_BUCKETS,
  },
  txgate_stage_duration_seconds: {
    type: 'histogram',
    help: 'Latency of one pipeline stage call: verify (signatures), store (rate limit, claim, commit), publish.',
    labels: [provider, { name: 'stage', values: STAGES }],
    buckets: LATENCY_BUCKETS,
  },
  // --- Publish ---
  txgate_publish_total: {
    type: 'counter',
    help: 'Publish calls by publisher and result.',
    labels: [publisher, { name: 'result', values: ['ok', 'error'] }],
  },
  txgate_publish_records_total: {
    type: 'counter',
    help: 'Records by topic and result (ok: durably accepted).',
    labels: [publisher, { name: 'topic' }, { name: 'result', values: ['ok', 'error'] }],
  },
  txgate_publish_batch_size: {
    type: 'histogram',
    help: 'Records per publish call.',
    labels: [publisher],
    buckets: SIZE_BUCKETS,
  },
  txgate_publish_retries_total: {
    type: 'counter',
    help: 'Publish attempts that were retried.',
    labels: [publisher],
  },
  txgate_breaker_state: {
    type: 'gauge',
    help: 'Kafka circuit breaker: 0 closed, 1 half-open, 2 open.',
    labels: [publisher],
  },
  txgate_breaker_transitions_total: {
    type: 'counter',
    help: 'Circuit breaker transitions by the state entered.',
    labels: [publisher, { name: 'to', values: ['closed', 'half-open', 'open'] }],
  },
  txgate_spool_records: {
    type: 'gauge',
    help: 'Records waiting in the spool.',
    labels: [],
  },
  txgate_spool_bytes: {
    type: 'gauge',
    help: 'Bytes held by the spool.',
    labels: [],
  },
  txgate_spool_max_bytes: {
    type: 'gauge',
    help: 'Spool size bound; new events are refused (503) beyond it.',
    labels: [],
  },
  txgate_spool_oldest_record_age_seconds: {
    type: 'gauge',
    help: 'Age of the oldest record not yet replayed into Kafka.',
    labels: [],
  },
  txgate_spool_replayed_records_total: {
    type: 'counter',
    help: 'Spooled records replayed into Kafka.',
    labels: [],
  },
  // --- Store (idempotency and rate limit) ---
  txgate_store_calls_total: {
    type: 'counter',
    help: 'Calls to the idempotency / rate-limit store.',
    labels: [store, storeOp],
  },
  txgate_store_errors_total: {
    type: 'counter',
    help: 'Store calls that failed or did not answer in time.',
    labels: [store, storeOp, { name: 'reason', values: ['timeout', 'down', 'error'] }],
  },
  txgate_store_fail_open_total: {
    type: 'counter',
    help: 'Requests let through unguarded because the store did not answer (fail open).',
    labels: [provider, { name: 'reason', values: ['timeout', 'down'] }],
  },
  txgate_idempotency_takeovers_total: {
    type: 'counter',
    help: 'Claims taken over after their holder stopped before answering (republished under the same event_id).',
    labels: [provider],
  },
  // --- Batch ---
  txgate_batch_jobs_total: {
    type: 'counter',
    help: 'Finished batch jobs by result.',
    labels: [{ name: 'result', values: ['ok', 'failed'] }],
  },
  txgate_batch_jobs_in_progress: {
    type: 'gauge',
    help: 'Batch jobs running now.',
    labels: [],
  },
  txgate_batch_records_total: {
    type: 'counter',
    help: 'Batch records by outcome: read, published, dlq.',
    labels: [{ name: 'outcome', values: ['read', 'published', 'dlq'] }],
  },
  txgate_batch_bytes_total: {
    type: 'counter',
    help: 'Bytes of batch input read.',
    labels: [],
  },
  txgate_batch_last_job_rows_per_second: {
    type: 'gauge',
    help: 'Records per second of the last finished batch job.',
    labels: [],
  },
  // --- Pull sources (http-poll, s3, sftp, S3 events): one series per configured source name ---
  txgate_source_runs_total: {
    type: 'counter',
    help: 'Scheduled pulls by source and outcome (nothing_new: the source had nothing; locked: another instance holds its lease; skipped: its circuit is open or it is terminal).',
    labels: [{ name: 'source' }, { name: 'outcome', values: ['done', 'nothing_new', 'locked', 'failed', 'skipped'] }],
  },
  txgate_source_bytes_total: {
    type: 'counter',
    help: 'Bytes a pull fetched from its source (API pages, downloaded files), whether ingested or not.',
    labels: [{ name: 'source' }],
  },
  txgate_source_state: {
    type: 'gauge',
    help: 'A pull source\'s breaker state, 1 for the current one (open: scheduled pulls skipped until a half-open trial; terminal: a permanent error, skipped until its configuration changes or txgate pull succeeds).',
    labels: [{ name: 'source' }, { name: 'state', values: ['closed', 'open', 'half_open', 'terminal'] }],
  },
  txgate_source_files_total: {
    type: 'counter',
    help: 'Files, objects and pages by source and result (failed: refused or not ingested; duplicate: an S3 event for a version ingested before).',
    labels: [{ name: 'source' }, { name: 'result', values: ['ingested', 'failed', 'duplicate'] }],
  },
  txgate_source_rows_total: {
    type: 'counter',
    help: 'Rows a source delivered to the batch path (published, duplicates and DLQ).',
    labels: [{ name: 'source' }],
  },
  txgate_source_failures_total: {
    type: 'counter',
    help: 'Failed pulls and S3-event objects not ingested, by source.',
    labels: [{ name: 'source' }],
  },
  txgate_source_last_success_timestamp_seconds: {
    type: 'gauge',
    help: 'Unix time of the source\'s last pull that did not fail (done or nothing new), or S3 event ingested.',
    labels: [{ name: 'source' }],
  },
  txgate_source_checkpoint_age_seconds: {
    type: 'gauge',
    help: 'Seconds since the source last ingested something (its cursor or newest done file); grows while a source is stuck or silent.',
    labels: [{ name: 'source' }],
  },
  // --- Queue sources (RabbitMQ, Kafka, NATS): one series per configured source name ---
  txgate_queue_consumed_total: {
    type: 'counter',
    help: 'Messages a queue source received from its broker (redeliveries included).',
    labels: [queueSource],
  },
  txgate_queue_published_total: {
    type: 'counter',
    help: 'Queue messages published durably (then acked / committed).',
    labels: [queueSource],
  },
  txgate_queue_dlq_total: {
    type: 'counter',
    help: 'Queue messages sent to the DLQ (not JSON, wrong shape, bad signature), then acked.',
    labels: [queueSource],
  },
  txgate_queue_duplicates_total: {
    type: 'counter',
    help: 'Queue messages already published (a redelivery): acked, nothing published.',
    labels: [queueSource],
  },
  txgate_queue_ignored_total: {
    type: 'counter',
    help: 'Queue messages of a type that is not a transaction: acked, nothing published.',
    labels: [queueSource],
  },
  txgate_queue_redelivered_total: {
    type: 'counter',
    help: 'Messages the broker marked as redelivered.',
    labels: [queueSource],
  },
  txgate_queue_retries_total: {
    type: 'counter',
    help: 'Messages not acked because the output was down (nack with requeue / no commit).',
    labels: [queueSource],
  },
  txgate_queue_security_events_total: {
    type: 'counter',
    help: 'Queue messages whose signature failed (sent to the DLQ and logged as security events).',
    labels: [queueSource],
  },
  txgate_queue_in_flight: {
    type: 'gauge',
    help: 'Messages of a queue source received and not yet settled.',
    labels: [queueSource],
  },
  txgate_queue_paused: {
    type: 'gauge',
    help: '1 while a queue source backs off because the output is down.',
    labels: [queueSource],
  },
  txgate_queue_lag_messages: {
    type: 'gauge',
    help: 'Messages waiting: RabbitMQ queue depth (passive declare), Kafka high watermark minus committed offset, NATS pending.',
    labels: [queueSource],
  },
} as const satisfies Record<string, Spec>

export type MetricName = keyof typeof CATALOG
type NamesOf<T extends Spec['type']> = {
  [K in MetricName]: (typeof CATALOG)[K]['type'] extends T ? K : never
}[MetricName]
export type CounterName = NamesOf<'counter'>
export type GaugeName = NamesOf<'gauge'>
export type HistogramName = NamesOf<'histogram'>
/** The labels a metric takes: only its declared names, each optional (absent = not emitted). */
export type LabelsOf<N extends MetricName> = {
  readonly [L in (typeof CATALOG)[N]['labels'][number]['name']]?: string
}
export type { Spec as MetricSpec }
