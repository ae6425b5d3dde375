/** @module A pool of worker threads running the unit processor; results come back per unit. */
import { Worker } from 'node:worker_threads'
import { createBufferShelf } from './buffer-shelf.ts'
import { unpackResult, type PackedResult } from './packed-unit.ts'
import { createUnitProcessor, type ProcessorInit, type Unit, type UnitProcessor, type UnitResult } from './processor.ts'

export type Pool = {
  run: UnitProcessor
  readonly size: number
  /** A unit's buffer whose records are all published: the processor may fill it again. */
  recycle(buffer: ArrayBuffer): void
  close(): Promise<void>
}

/** What a worker is sent: a unit, and spare buffers (moved, not copied) for its records. */
export type WorkerTask = { unit: Unit; spare: ArrayBuffer[] }

/**
 * Capped heaps: left alone, each worker's heap grows with the garbage of the records it builds.
 * A CSV or NDJSON worker holds one block's rows (~1 000) at a time; a Parquet worker holds one
 * read window (units.ts: at most 50 000 rows or ~8 MB of column data). Measured on 1M rows with
 * 2 workers: old generation 64 → 32 MB took CSV's peak RSS from 276 to 240 MB, and a young
 * generation of 8 MB instead of 24 took CSV from 215 to 197 MB and Parquet from ~310 to ~250 MB,
 * each at the same rows/s.
 */
const LINE_LIMITS = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 }
const PARQUET_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 }

type Reply = { seq: number; result?: UnitResult; packed?: PackedResult; error?: string }
type Task = { unit: Unit; resolve: (r: UnitResult) => void; reject: (e: Error) => void }

/**
 * size 0: the processor runs on this thread (small files, runtimes without workers). `script`:
 * the worker's entry (worker-bundle.ts); default, the tsx bootstrap.
 */
export function createPool(size: number, init: ProcessorInit, script = new URL('./worker.mjs', import.meta.url)): Pool {
  if (size <= 0) {
    const shelf = createBufferShelf()
    const run = createUnitProcessor(init, shelf)
    return { run, size: 0, recycle: (b) => shelf.put(b), close: async () => {} }
  }
  // Buffers come back here and go out with the next units, a couple per unit: each worker keeps
  // a shelf of its own.
  const spares = createBufferShelf()
  type Slot = { worker: Worker; task?: Task; queue: Task[] }
  const workers: Slot[] = []
  // Units without affinity go to whichever worker is free; the others wait for their worker.
  const queue: Task[] = []
  let failed: Error | undefined

  const dispatch = (slot: Slot) => {
    const task = slot.queue.shift() ?? queue.shift()
    if (!task) return
    slot.task = task
    const spare = spares.takeAll(2)
    slot.worker.postMessage({ unit: task.unit, spare } satisfies WorkerTask, spare)
  }

  for (let i = 0; i < size; i++) {
    const resourceLimits = init.parquetPath ? PARQUET_LIMITS : LINE_LIMITS
    const worker = new Worker(script, { workerData: init, resourceLimits })
    const slot: Slot = { worker, queue: [] }
    worker.on('message', (reply: Reply) => {
      const task = slot.task
      slot.task = undefined
      if (task) {
        if (reply.packed) task.resolve(unpackResult(reply.packed))
        else if (reply.result) task.resolve(reply.result)
        else task.reject(new Error(reply.error ?? 'worker failed'))
      }
      dispatch(slot)
    })
    worker.on('error', (err) => {
      failed = err
      slot.task?.reject(err)
      slot.task = undefined
      for (const t of [...queue.splice(0), ...workers.flatMap((w) => w.queue.splice(0))]) t.reject(err)
    })
    workers.push(slot)
  }

  return {
    size,
    recycle: (b) => spares.put(b),
    run(unit) {
      if (failed) return Promise.reject(failed)
      return new Promise<UnitResult>((resolve, reject) => {
        const task = { unit, resolve, reject }
        if (unit.kind === 'parquet') {
          const slot = workers[unit.affinity % size] as Slot
          slot.queue.push(task)
          if (slot.task === undefined) dispatch(slot)
          return
        }
        queue.push(task)
        const idle = workers.find((w) => w.task === undefined)
        if (idle) dispatch(idle)
      })
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()))
    },
  }
}
