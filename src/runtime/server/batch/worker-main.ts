/** @module Worker thread: receives units, answers with built records (or the error), in order. */
import { parentPort, workerData } from 'node:worker_threads'
import { createUnitProcessor, type ProcessorInit, type Unit } from './processor.ts'

const port = parentPort
if (!port) throw new Error('worker-main must run in a worker thread')
const run = createUnitProcessor(workerData as ProcessorInit)

port.on('message', (unit: Unit) => {
  run(unit).then(
    (result) => port.postMessage({ seq: unit.seq, result }),
    (err: unknown) => port.postMessage({ seq: unit.seq, error: err instanceof Error ? err.message : String(err) }),
  )
})
