/**
 * @module Process and runtime metrics on server runtimes, from prom-client's default collectors
 * (CPU, resident memory, heap, event-loop lag, GC, open file descriptors), appended to /metrics.
 */
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { Metrics } from '../../observability/metrics.ts'

// Why prom-client here and not for txgate's own series: its default collectors read what only a
// server runtime has (perf_hooks event-loop delay, GC observer, /proc), and are well kept. The
// application series stay in the portable registry so that every runtime, Workers included,
// exposes the same names with the same bounded labels.
export function addProcessMetrics(metrics: Metrics): void {
  if (!metrics.enabled) return
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  metrics.addText(() => registry.metrics())
}
