/** @module Worker thread: receives units, answers with their records as JSON lines (or the error), in order. */
import { parentPort, workerData } from 'node:worker_threads'
import { createUnitProcessor, type ProcessorInit, type Unit } from './processor.ts'

const port = parentPort
if (!port) throw new Error('worker-main must run in a worker thread')
const run = createUnitProcessor(workerData as ProcessorInit)

port.on('message', (unit: Unit) => {
  run(unit).then(
    // The buffers are handed over, not copied: the lines are the bulk of the answer.
    (result) => {
      const { bytes, ends, valueAts } = result.encoded
      port.postMessage({ seq: unit.seq, result }, [bytes.buffer, ends.buffer, valueAts.buffer] as ArrayBuffer[])
    },
    (err: unknown) => port.postMessage({ seq: unit.seq, error: err instanceof Error ? err.message : String(err) }),
  )
})
