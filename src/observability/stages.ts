/**
 * @module Pipeline stage timing: a latency histogram per provider and stage, and an OpenTelemetry
 * span per stage call when an SDK is registered (the API alone is a no-op, with no exporter).
 */
import {
  createTraceState,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api'
import type { Stage } from './metric-catalog.ts'
import type { Metrics } from './metrics.ts'
import type { TraceContext } from './trace.ts'

/** Runs `fn` as one call of `stage`: timed into the histogram, traced as a span. */
export type StageRunner = <T>(stage: Stage, fn: () => Promise<T>) => Promise<T>

// A ProxyTracer: it delegates to whatever SDK is registered, even one registered later.
const tracer = trace.getTracer('txgate')

// What a ProxyTracerProvider hands out while no SDK is registered.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate()

/**
 * Whether spans go anywhere: false while the global provider is the API's proxy with no SDK behind
 * it. Building a no-op span, its parent context and attributes per stage call was ~3 % of a
 * webhook's CPU for nothing. Another copy of the API's provider counts as an SDK (spans are made).
 */
function tracing(): boolean {
  const p = trace.getTracerProvider()
  return !(p instanceof ProxyTracerProvider) || p.getDelegate() !== NOOP_PROVIDER
}

export function stageRunner(metrics: Metrics, provider: string, tc: TraceContext): StageRunner {
  // Asked once per request: an SDK registered later is seen from the next request on.
  if (!tracing()) {
    return async function timeStage(stage, fn) {
      const started = performance.now()
      try {
        return await fn()
      } finally {
        metrics.observe('txgate_stage_duration_seconds', { provider, stage }, (performance.now() - started) / 1000)
      }
    }
  }
  let parent: Context | undefined
  return async function runStage(stage, fn) {
    // Stage spans are children of this hop's span id, the one sent on in `traceparent`, so a
    // consumer's spans and ours hang off the same parent without a context manager (Workers).
    parent ??= trace.setSpanContext(ROOT_CONTEXT, {
      traceId: tc.traceId,
      spanId: tc.spanId,
      traceFlags: Number.parseInt(tc.traceparent.slice(-2), 16) || 0,
      isRemote: true,
      ...(tc.tracestate ? { traceState: createTraceState(tc.tracestate) } : {}),
    })
    const span = tracer.startSpan(
      `txgate.${stage}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: { 'txgate.provider': provider, 'txgate.stage': stage },
      },
      parent,
    )
    const started = performance.now()
    try {
      return await fn()
    } catch (err) {
      if (span.isRecording()) {
        // The error code only: messages can carry request detail that spans must not export.
        const code =
          typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'error'
        span.setStatus({ code: SpanStatusCode.ERROR, message: code })
        span.setAttribute('txgate.error_code', code)
      }
      throw err
    } finally {
      metrics.observe(
        'txgate_stage_duration_seconds',
        { provider, stage },
        (performance.now() - started) / 1000,
      )
      span.end()
    }
  }
}
