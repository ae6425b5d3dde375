/** @module Worker thread: receives units, answers with their records as JSON lines (or the error), in order. */
import { parentPort, workerData } from 'node:worker_threads'
import { createBufferShelf } from './buffer-shelf.ts'
import { packResult } from './packed-unit.ts'
import type { WorkerTask } from './pool.ts'
import { createUnitProcessor, type ProcessorInit } from './processor.ts'

const port = parentPort
if (!port) throw new Error('worker-main must run in a worker thread')
const shelf = createBufferShelf(8 * 1024 * 1024)
const run = createUnitProcessor(workerData as ProcessorInit, shelf)

port.on('message', ({ unit, spare }: WorkerTask) => {
  for (const b of spare) shelf.put(b)
  run(unit).then(
    // The buffers are handed over, not copied: the lines are the bulk of the answer.
    (result) => {
      const { bytes, ends, valueAts } = result.encoded
      const packed = packResult(result)
      const moved = [bytes.buffer, ends.buffer, valueAts.buffer] as ArrayBuffer[]
      if (packed) port.postMessage({ seq: unit.seq, packed }, [...moved, packed.keyEnds.buffer as ArrayBuffer])
      else port.postMessage({ seq: unit.seq, result }, moved)
    },
    (err: unknown) => port.postMessage({ seq: unit.seq, error: err instanceof Error ? err.message : String(err) }),
  )
})
