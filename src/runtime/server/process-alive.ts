/** @module Whether a process id is alive, for stale-lock detection. */

/**
 * Only "no such process" (ESRCH) means dead: EPERM means it exists under another user, and a
 * runtime that may not signal at all (Deno without --allow-run throws NotCapable) must not make
 * a live holder look dead, or two writers would share one directory.
 */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
