/** @module The JSON the dashboard polls: every series as it stands now, plus recent activity. */
import type { Activity, ActivitySnapshot } from '../activity.ts'
import type { FamilySnapshot, Metrics } from '../metrics.ts'

export type DashboardData = {
  /** Server time (ms); the page computes rates over its own clock between polls. */
  at: number
  metrics_enabled: boolean
  families: FamilySnapshot[]
  /** A few runtime gauges when the runtime's exposition carries them (server runtimes). */
  process: Record<string, number>
  activity: ActivitySnapshot
  ports: { store: string; publisher: string }
}

// Default process metrics worth a glance (prom-client names); absent on the edge.
const PROCESS_GAUGES = [
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
] as const

export async function dashboardData(
  metrics: Metrics,
  activity: Activity,
  ports: DashboardData['ports'],
  clock: () => number,
): Promise<DashboardData> {
  const snapshot = await metrics.collect()
  return {
    at: clock(),
    metrics_enabled: metrics.enabled,
    families: snapshot.families,
    process: processGauges(snapshot.text.join('\n')),
    activity: activity.snapshot(),
    ports,
  }
}

// --- Internal helpers ---

function processGauges(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of PROCESS_GAUGES) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)
    const v = m?.[1] === undefined ? NaN : Number(m[1])
    if (Number.isFinite(v)) out[name] = v
  }
  return out
}
