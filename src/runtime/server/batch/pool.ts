/** @module A pool of worker threads running the unit processor; results come back per unit. */
import { Worker } from 'node:worker_threads'
import { createUnitProcessor, type ProcessorInit, type Unit, type UnitProcessor, type UnitResult } from './processor.ts'

export type Pool = { run: UnitProcessor; readonly size: number; close(): Promise<void> }

const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 32 }

type Reply = { seq: number; result?: UnitResult; error?: string }
type Task = { unit: Unit; resolve: (r: UnitResult) => void; reject: (e: Error) => void }

/** size 0: the processor runs on this thread (small files, runtimes without workers). */
export function createPool(size: number, init: ProcessorInit): Pool {
  if (size <= 0) {
    const run = createUnitProcessor(init)
    return { run, size: 0, close: async () => {} }
  }
  const workers: { worker: Worker; task?: Task }[] = []
  const queue: Task[] = []
  let failed: Error | undefined

  const dispatch = (slot: { worker: Worker; task?: Task }) => {
    const task = queue.shift()
    if (!task) return
    slot.task = task
    slot.worker.postMessage(task.unit)
  }

  for (let i = 0; i < size; i++) {
    // A .mjs bootstrap registers tsx in the worker, so the .ts processor loads under any runner.
    // A capped heap: left alone, each worker's V8 heap grows with the garbage of the records it builds.
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: init, resourceLimits: WORKER_LIMITS })
    const slot: { worker: Worker; task?: Task } = { worker }
    worker.on('message', (reply: Reply) => {
      const task = slot.task
      slot.task = undefined
      if (task) {
        if (reply.result) task.resolve(reply.result)
        else task.reject(new Error(reply.error ?? 'worker failed'))
      }
      dispatch(slot)
    })
    worker.on('error', (err) => {
      failed = err
      slot.task?.reject(err)
      slot.task = undefined
      for (const t of queue.splice(0)) t.reject(err)
    })
    workers.push(slot)
  }

  return {
    size,
    run(unit) {
      if (failed) return Promise.reject(failed)
      return new Promise<UnitResult>((resolve, reject) => {
        queue.push({ unit, resolve, reject })
        const idle = workers.find((w) => w.task === undefined)
        if (idle) dispatch(idle)
      })
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()))
    },
  }
}
